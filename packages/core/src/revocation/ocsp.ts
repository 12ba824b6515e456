import { certificateAuthorities, certificates } from "@certq/db";
import {
  createOcspResponse,
  defaultSignatureAlgorithm,
  issuerMatches,
  ocspErrorResponse,
  PkiError,
  parseOcspRequest,
  type RevocationReason,
} from "@certq/pki";
import { and, eq, isNotNull } from "drizzle-orm";
import type { ServiceContext } from "../context";

/** How long a relying party may cache an OCSP answer. */
const OCSP_VALIDITY_MS = 60 * 60 * 1000;

/**
 * Answers an RFC 6960 request, signed by the issuing CA itself: good, revoked (time and
 * reason) or unknown per certificate. Requests about CAs we do not hold are `unauthorized`,
 * garbage is `malformedRequest`; both are valid OCSP responses, never HTTP errors.
 */
export async function answerOcsp(args: {
  ctx: ServiceContext;
  requestDer: Buffer;
}): Promise<Buffer> {
  const { ctx } = args;
  let request: ReturnType<typeof parseOcspRequest>;
  try {
    request = parseOcspRequest(args.requestDer);
  } catch (error) {
    if (error instanceof PkiError) return ocspErrorResponse("malformedRequest");
    throw error;
  }
  const cas = await ctx.db
    .select()
    .from(certificateAuthorities)
    .where(isNotNull(certificateAuthorities.certificate));
  const first = request.requests[0];
  const ca =
    first &&
    cas.find((candidate) => candidate.certificate && issuerMatches(first, candidate.certificate));
  if (!ca) return ocspErrorResponse("unauthorized");

  const now = ctx.now();
  const responses = await Promise.all(
    request.requests.map(async (entry) => {
      const ours = ca.certificate ? issuerMatches(entry, ca.certificate) : false;
      const [row] = ours
        ? await ctx.db
            .select({
              status: certificates.status,
              revokedAt: certificates.revokedAt,
              reason: certificates.revocationReason,
            })
            .from(certificates)
            .where(
              and(eq(certificates.caId, ca.id), eq(certificates.serialNumber, entry.serialNumber)),
            )
        : [];
      const status = !row
        ? ({ kind: "unknown" } as const)
        : row.status === "revoked"
          ? ({
              kind: "revoked",
              revokedAt: row.revokedAt ?? now,
              reason: (row.reason ?? "UNSPECIFIED") as RevocationReason,
            } as const)
          : ({ kind: "good" } as const);
      return {
        request: entry,
        status,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS),
      };
    }),
  );
  const { signer } = ctx.signers.get(ca);
  return createOcspResponse({
    signer,
    signatureAlgorithm: defaultSignatureAlgorithm(signer.keyAlgorithm),
    producedAt: now,
    responses,
    nonce: request.nonce,
  });
}
