import {
  acmeOrders,
  type CertificateRequestRow,
  type CertificateRow,
  certificateProfiles,
  certificateRequests,
  certificates,
  type Executor,
} from "@certq/db";
import { and, eq, ne, notExists, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { type Principal, requireScope } from "../auth/principal";
import { assertCaCanSign } from "../cas/find-ca";
import { hashRequestBody } from "../certificate-requests/request-hash";
import { requestParamsSchema } from "../certificate-requests/request-schemas";
import { type ResolvedRequest, resolveRequest } from "../certificate-requests/resolve-request";
import { enqueueOrWithdraw, type SubmittedRequest } from "../certificate-requests/submit-request";
import type { QueueingContext, ServiceContext } from "../context";
import { ConflictError, DomainError } from "../errors";
import { findIssuingProfile } from "../profiles/find-issuing-profile";
import { enqueueIssuance, type IssuanceQueue } from "../queue/issuance-queue";
import { findCertificateBySerial } from "./find-certificate";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RenewalRequest extends SubmittedRequest {
  replacesCertificateId: string;
}

/**
 * A renewal is a new request for the same certificate: the original request's names, key
 * algorithm, usages and lifetime (its stored CSR, for a certificate whose key the client
 * keeps), checked against the profile's policy as it is now, on the profile's CA, with a new
 * key for server-generated ones. The new request links the certificate it replaces.
 */
async function resolveRenewal(
  ctx: ServiceContext,
  certificate: CertificateRow,
  original: CertificateRequestRow,
): Promise<{ resolved: ResolvedRequest; caId: string }> {
  if (certificate.status === "revoked") {
    throw new ConflictError(
      `Certificate '${certificate.serialNumber}' is revoked; request a new certificate instead of renewing it`,
    );
  }
  const params = requestParamsSchema.parse(original.params);
  const { profile, ca, nameConstraints } = await findIssuingProfile(ctx, original.profileId);
  const now = ctx.now();
  assertCaCanSign(ca, now);
  // The same lifetime as the certificate renewed, counted from now.
  const lifetimeMs =
    params.ttlMs ?? certificate.notAfter.getTime() - certificate.notBefore.getTime();
  // Names, algorithms and usages as before; the dates follow from the lifetime.
  const { notBefore: _start, notAfter: _end, ttlMs: _ttl, ...kept } = params;
  const resolved = await resolveRequest({
    profile,
    ca,
    attributes: { ...kept, ttl: `${Math.max(1, Math.round(lifetimeMs / 1000))}s` },
    csr: original.csr ?? undefined,
    now,
    nameConstraints,
  });
  return { resolved, caId: ca.id };
}

/** The request a certificate was issued from: what its renewal repeats. */
async function findOriginalRequest(
  db: Executor,
  certificate: CertificateRow,
): Promise<CertificateRequestRow> {
  const [original] = certificate.requestId
    ? await db
        .select()
        .from(certificateRequests)
        .where(eq(certificateRequests.id, certificate.requestId))
    : [];
  if (!original) {
    throw new ConflictError(
      `Certificate '${certificate.serialNumber}' was not issued from a request here, so there is nothing to renew it from`,
    );
  }
  return original;
}

/**
 * Stores the renewal as pending; undefined when the certificate already has a renewal that
 * is pending or issued (certificate_requests_replaces_key).
 */
async function insertRenewal(
  db: Executor,
  args: {
    certificate: CertificateRow;
    original: CertificateRequestRow;
    resolved: ResolvedRequest;
    caId: string;
    tokenId: string | null;
  },
) {
  const [row] = await db
    .insert(certificateRequests)
    .values({
      profileId: args.original.profileId,
      caId: args.caId,
      kind: args.resolved.kind,
      params: args.resolved.params,
      csr: args.resolved.csr,
      tokenId: args.tokenId,
      requestHash: hashRequestBody({ renews: args.certificate.id }),
      replacesCertificateId: args.certificate.id,
    })
    .onConflictDoNothing()
    .returning({ id: certificateRequests.id, status: certificateRequests.status });
  return row;
}

function alreadyRenewed(certificate: CertificateRow): ConflictError {
  return new ConflictError(
    `Certificate '${certificate.serialNumber}' already has a renewal that is pending or issued; renew its successor instead`,
  );
}

/** POST .../certificates/{serialNumber}/renew: a manual renewal, through the same queue. */
export async function renewCertificate(args: {
  ctx: Pick<QueueingContext, keyof ServiceContext | "issuance">;
  principal: Principal;
  serialNumber: string;
}): Promise<RenewalRequest> {
  requireScope(args.principal, "certificates:issue");
  const { ctx } = args;
  const certificate = await findCertificateBySerial(ctx.db, args.serialNumber);
  const original = await findOriginalRequest(ctx.db, certificate);
  const { resolved, caId } = await resolveRenewal(ctx, certificate, original);
  await ctx.issuance.admit(args.principal);
  const row = await insertRenewal(ctx.db, {
    certificate,
    original,
    resolved,
    caId,
    tokenId: args.principal.tokenId,
  });
  if (!row) throw alreadyRenewed(certificate);
  await enqueueOrWithdraw(ctx, row.id);
  ctx.log.info(
    { requestId: row.id, replacesCertificateId: certificate.id },
    "certificate renewal accepted",
  );
  return {
    requestId: row.id,
    status: row.status,
    created: true,
    jobId: row.id,
    replacesCertificateId: certificate.id,
  };
}

/**
 * Active API-issued certificates of profiles with `enrollment.api.autoRenew` whose renewal
 * time has come, each with the request it was issued from (one query for the whole scan):
 * renewBeforeDays before notAfter, but not before half the lifetime has passed (so a
 * certificate shorter than its renewal window is not renewed the moment it is issued, over
 * and over). ACME certificates are left to their clients. A certificate whose renewal is
 * pending or issued is skipped, and one whose renewal failed is tried again a day later.
 */
async function findDueCertificates(db: Executor, now: Date, limit: number) {
  const at = sql`${now.toISOString()}::timestamptz`;
  const dayAgo = sql`${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz`;
  const api = sql`${certificateProfiles.enrollment} -> 'api'`;
  const renewal = alias(certificateRequests, "renewal");
  return db
    .select({ certificate: certificates, original: certificateRequests })
    .from(certificates)
    .innerJoin(certificateProfiles, eq(certificateProfiles.id, certificates.profileId))
    .innerJoin(certificateRequests, eq(certificateRequests.id, certificates.requestId))
    .where(
      and(
        eq(certificates.status, "active"),
        sql`${certificates.notAfter} > ${at}`,
        sql`${api} ->> 'autoRenew' = 'true'`,
        sql`${certificates.notAfter} - least(
              make_interval(days => coalesce((${api} ->> 'renewBeforeDays')::int, 30)),
              (${certificates.notAfter} - ${certificates.notBefore}) / 2) <= ${at}`,
        notExists(
          db
            .select({ one: sql`1` })
            .from(renewal)
            .where(
              and(
                eq(renewal.replacesCertificateId, certificates.id),
                or(ne(renewal.status, "failed"), sql`${renewal.updatedAt} > ${dayAgo}`),
              ),
            ),
        ),
        notExists(
          db
            .select({ one: sql`1` })
            .from(acmeOrders)
            .where(eq(acmeOrders.certificateRequestId, certificates.requestId)),
        ),
      ),
    )
    .orderBy(certificates.notAfter)
    .limit(limit);
}

export interface RenewalScan {
  /** Renewal requests created and queued. */
  renewed: number;
  /** Certificates whose renewal could not be made (policy or CA changed); recorded as failed requests. */
  refused: number;
}

/**
 * The scheduled half of server-driven renewal (run by the maintenance timer, one worker at a
 * time): each due certificate gets a renewal request, committed before its job, so a renewal
 * whose enqueue fails is still the reconciler's to queue. One that can no longer be issued
 * is stored as a failed renewal naming why, and is retried a day later.
 */
export async function renewDueCertificates(args: {
  ctx: ServiceContext;
  queue: IssuanceQueue;
  limit?: number;
}): Promise<RenewalScan> {
  const { ctx } = args;
  const due = await findDueCertificates(ctx.db, ctx.now(), args.limit ?? 500);
  const scan: RenewalScan = { renewed: 0, refused: 0 };
  for (const { certificate, original } of due) {
    let renewal: Awaited<ReturnType<typeof resolveRenewal>>;
    try {
      renewal = await resolveRenewal(ctx, certificate, original);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await recordRefusedRenewal(ctx.db, certificate, original, error.message);
      ctx.log.warn(
        { certificateId: certificate.id, err: error.message },
        "automatic renewal refused",
      );
      scan.refused++;
      continue;
    }
    const row = await insertRenewal(ctx.db, {
      certificate,
      original,
      ...renewal,
      tokenId: original.tokenId,
    });
    if (!row) continue;
    scan.renewed++;
    await enqueueIssuance(args.queue, row.id).catch((error: unknown) =>
      ctx.log.warn(
        { requestId: row.id, err: (error as Error).message },
        "renewal not queued; the reconciler will queue it",
      ),
    );
  }
  if (scan.renewed || scan.refused) ctx.log.info(scan, "automatic renewal scan");
  return scan;
}

async function recordRefusedRenewal(
  db: Executor,
  certificate: CertificateRow,
  original: CertificateRequestRow,
  reason: string,
) {
  await db.insert(certificateRequests).values({
    profileId: original.profileId,
    caId: original.caId,
    kind: original.kind,
    params: original.params,
    csr: original.csr,
    tokenId: original.tokenId,
    requestHash: hashRequestBody({ renews: certificate.id }),
    replacesCertificateId: certificate.id,
    status: "failed",
    errorMessage: `automatic renewal refused: ${reason}`,
  });
}
