import { type CertificateAuthorityRow, certificateAuthorities, certificates } from "@certq/db";
import {
  createOcspResponse,
  defaultSignatureAlgorithm,
  issuerMatches,
  type OcspRequestEntry,
  ocspErrorResponse,
  PkiError,
  parseOcspRequest,
  type RevocationReason,
} from "@certq/pki";
import { and, eq, isNotNull } from "drizzle-orm";
import type { ServiceContext } from "../context";
import type { OcspCache } from "./ocsp-cache";

/** How long a relying party may rely on an OCSP answer. */
const OCSP_VALIDITY_MS = 60 * 60 * 1000;
/** A request naming a CA we do not know reads the CA list again, at most this often. */
const CA_MISS_RELOAD_MS = 1_000;

export interface OcspAnswer {
  der: Buffer;
  /** Set on a signed answer (not on an error status). */
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** The same bytes answer everyone asking (no nonce), so HTTP caches may keep them. */
  shared: boolean;
}

/**
 * Answers an RFC 6960 request, signed by the issuing CA itself: good, revoked (time and
 * reason) or unknown per certificate. Requests about CAs we do not hold are `unauthorized`,
 * garbage is `malformedRequest`; both are valid OCSP responses, never HTTP errors.
 * With a cache, the RFC 5019 case (one certificate, no nonce: what browsers and most
 * clients send) is answered from pre-signed responses without touching the database;
 * a nonce asks for a fresh signature, so those are signed each time.
 */
export async function answerOcsp(args: {
  ctx: ServiceContext;
  requestDer: Buffer;
  cache?: OcspCache;
}): Promise<OcspAnswer> {
  const { ctx, cache } = args;
  let request: ReturnType<typeof parseOcspRequest>;
  try {
    request = parseOcspRequest(args.requestDer);
  } catch (error) {
    if (error instanceof PkiError) return errorAnswer("malformedRequest");
    throw error;
  }
  const first = request.requests[0];
  if (!first) return errorAnswer("malformedRequest");
  const now = ctx.now();
  const ca = await findIssuer(ctx, first, now, cache);
  if (!ca) return errorAnswer("unauthorized");

  const single = request.requests.length === 1 && !request.nonce;
  // The response repeats the request's CertID, whose hashes depend on its algorithm.
  const cacheKey = `${first.hashAlgorithm}:${first.serialNumber}`;
  const cached = single && cache ? cache.get(ca.id, cacheKey, now) : undefined;
  if (cached) return { ...cached, shared: true };

  const thisUpdate = now;
  const nextUpdate = new Date(now.getTime() + OCSP_VALIDITY_MS);
  const responses = await Promise.all(
    request.requests.map(async (entry) => ({
      request: entry,
      status: await statusOf(ctx, ca, entry, now),
      thisUpdate,
      nextUpdate,
    })),
  );
  const { signer } = ctx.signers.get(ca);
  const der = await createOcspResponse({
    signer,
    signatureAlgorithm: defaultSignatureAlgorithm(signer.keyAlgorithm),
    producedAt: now,
    responses,
    nonce: request.nonce,
  });
  if (single && cache) cache.set(cacheKey, { der, caId: ca.id, thisUpdate, nextUpdate });
  return { der, thisUpdate, nextUpdate, shared: !request.nonce };
}

function errorAnswer(status: Parameters<typeof ocspErrorResponse>[0]): OcspAnswer {
  return { der: ocspErrorResponse(status), shared: false };
}

async function findIssuer(
  ctx: ServiceContext,
  entry: OcspRequestEntry,
  now: Date,
  cache: OcspCache | undefined,
): Promise<CertificateAuthorityRow | undefined> {
  const load = () =>
    ctx.db
      .select()
      .from(certificateAuthorities)
      .where(isNotNull(certificateAuthorities.certificate));
  const match = (cas: CertificateAuthorityRow[]) =>
    cas.find((candidate) => candidate.certificate && issuerMatches(entry, candidate.certificate));
  if (!cache) return match(await load());
  // A CA made since the list was read: look again, but not for every stray request.
  return match(await cache.cas(load, now)) ?? match(await cache.cas(load, now, CA_MISS_RELOAD_MS));
}

async function statusOf(
  ctx: ServiceContext,
  ca: CertificateAuthorityRow,
  entry: OcspRequestEntry,
  now: Date,
) {
  const ours = ca.certificate ? issuerMatches(entry, ca.certificate) : false;
  const [row] = ours
    ? await ctx.db
        .select({
          status: certificates.status,
          revokedAt: certificates.revokedAt,
          reason: certificates.revocationReason,
        })
        .from(certificates)
        .where(and(eq(certificates.caId, ca.id), eq(certificates.serialNumber, entry.serialNumber)))
    : [];
  if (!row) return { kind: "unknown" } as const;
  if (row.status !== "revoked") return { kind: "good" } as const;
  return {
    kind: "revoked",
    revokedAt: row.revokedAt ?? now,
    reason: (row.reason ?? "UNSPECIFIED") as RevocationReason,
  } as const;
}
