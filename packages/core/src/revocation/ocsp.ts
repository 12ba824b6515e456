import { certificateAuthorities, certificates } from "@certq/db";
import {
  createOcspResponse,
  defaultSignatureAlgorithm,
  type OcspRequestEntry,
  ocspErrorResponse,
  PkiError,
  parseOcspRequest,
  type RevocationReason,
} from "@certq/pki";
import { and, eq, isNotNull } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { type OcspCache, type OcspIssuer, toOcspIssuers } from "./ocsp-cache";

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
 * clients send) is answered from pre-signed responses, found by the request's bytes, without
 * parsing or touching the database; a nonce asks for a fresh signature, so those are signed
 * each time.
 */
export async function answerOcsp(args: {
  ctx: ServiceContext;
  requestDer: Buffer;
  cache?: OcspCache;
}): Promise<OcspAnswer> {
  const hit = answerOcspFromCache(args);
  if (hit) return hit;
  const { ctx, cache } = args;
  const now = ctx.now();
  let request: ReturnType<typeof parseOcspRequest>;
  try {
    request = parseOcspRequest(args.requestDer);
  } catch (error) {
    if (error instanceof PkiError) return errorAnswer("malformedRequest");
    throw error;
  }
  const first = request.requests[0];
  if (!first) return errorAnswer("malformedRequest");
  const issuer = await findIssuer(ctx, first, now, cache);
  if (!issuer) return errorAnswer("unauthorized");
  const { ca } = issuer;

  const thisUpdate = now;
  const nextUpdate = new Date(now.getTime() + OCSP_VALIDITY_MS);
  const responses = await Promise.all(
    request.requests.map(async (entry) => ({
      request: entry,
      status: await statusOf(ctx, issuer, entry, now),
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
  // One known certificate, no nonce: the same answer for everyone sending these bytes. Unknown
  // serials are signed each time, so made-up requests cannot fill the cache.
  const single = request.requests.length === 1 && !request.nonce;
  const known = responses.every((r) => r.status.kind !== "unknown");
  if (cache && single && known) {
    cache.set(args.requestDer, {
      der,
      caId: ca.id,
      serialNumber: first.serialNumber,
      thisUpdate,
      nextUpdate,
    });
  }
  return { der, thisUpdate, nextUpdate, shared: !request.nonce };
}

/**
 * answerOcsp's first step alone, synchronous: the pre-signed answer to exactly these request
 * bytes while the cache holds a fresh one, else undefined (then answerOcsp signs).
 */
export function answerOcspFromCache(args: {
  ctx: ServiceContext;
  requestDer: Buffer;
  cache?: OcspCache;
}): OcspAnswer | undefined {
  const hit = args.cache?.get(args.requestDer, args.ctx.now());
  return hit && { ...hit, shared: true };
}

function errorAnswer(status: Parameters<typeof ocspErrorResponse>[0]): OcspAnswer {
  return { der: ocspErrorResponse(status), shared: false };
}

async function findIssuer(
  ctx: ServiceContext,
  entry: OcspRequestEntry,
  now: Date,
  cache: OcspCache | undefined,
): Promise<OcspIssuer | undefined> {
  const load = () =>
    ctx.db
      .select()
      .from(certificateAuthorities)
      .where(isNotNull(certificateAuthorities.certificate));
  const match = (issuers: OcspIssuer[]) => issuers.find((issuer) => issuer.matches(entry));
  if (!cache) return match(toOcspIssuers(await load()));
  // A CA made since the list was read: look again, but not for every stray request.
  return (
    match(await cache.issuers(load, now)) ??
    match(await cache.issuers(load, now, CA_MISS_RELOAD_MS))
  );
}

async function statusOf(
  ctx: ServiceContext,
  { ca, matches }: OcspIssuer,
  entry: OcspRequestEntry,
  now: Date,
) {
  const ours = matches(entry);
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
