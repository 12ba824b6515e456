import { isIP } from "node:net";
import { certificateRequests } from "@certq/db";
import { eq } from "drizzle-orm";
import { assertCaCanSign } from "../cas/find-ca";
import { hashRequestBody } from "../certificate-requests/request-hash";
import { resolveRequest } from "../certificate-requests/resolve-request";
import { openCertificateKey } from "../certificates/certificate-key";
import { findCertificateById } from "../certificates/find-certificate";
import type { ServiceContext } from "../context";
import { DomainError } from "../errors";
import { profileDefaultsSchema } from "../policy";
import { findIssuingProfile } from "../profiles/find-issuing-profile";
import { createIssuer, failRequest } from "./issue-request";

export interface ServerCertificate {
  /** The leaf, then its chain (issuing CA first): what a TLS server sends. */
  certificatePem: string;
  privateKeyPem: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * The API's own TLS certificate (CERTQ_TLS_PROFILE), issued from a profile like any other:
 * its policy decides, the request and certificate are rows (listed, audited, revocable), and
 * the key is sealed at rest. Signed here rather than through the queue, since the API cannot
 * listen until it has it and a worker may not be running yet.
 */
export async function issueServerCertificate(args: {
  ctx: ServiceContext;
  profileId: string;
  names: readonly string[];
}): Promise<ServerCertificate> {
  const { ctx, names } = args;
  const { profile, ca, nameConstraints } = await findIssuingProfile(ctx, args.profileId);
  const now = ctx.now();
  assertCaCanSign(ca, now);
  const resolved = await resolveRequest({
    profile,
    ca,
    attributes: {
      commonName: names[0],
      altNames: names.map((value) => ({ type: isIP(value) ? "ip_address" : "dns_name", value })),
      extendedKeyUsages: ["server_auth"],
      ttl: profileDefaultsSchema.parse(profile.defaults).ttl ?? "30d",
    },
    csr: undefined,
    now,
    nameConstraints,
  });
  const [request] = await ctx.db
    .insert(certificateRequests)
    .values({
      profileId: profile.id,
      caId: ca.id,
      kind: resolved.kind,
      params: resolved.params,
      requestHash: hashRequestBody({ serverCertificate: names }),
    })
    .returning({ id: certificateRequests.id });
  if (!request) throw new Error("certificate request insert returned no row");

  let outcome: Awaited<ReturnType<ReturnType<typeof createIssuer>["issue"]>>;
  try {
    outcome = await createIssuer({ ctx }).issue(request.id);
  } catch (error) {
    if (error instanceof DomainError) {
      await failRequest({ ctx, requestId: request.id, errorMessage: error.message });
    }
    throw error;
  }
  // A worker's reconciler may have issued the pending row first: its certificate is as good.
  const certificateId =
    outcome.status === "issued"
      ? outcome.certificateId
      : (
          await ctx.db
            .select({ certificateId: certificateRequests.certificateId })
            .from(certificateRequests)
            .where(eq(certificateRequests.id, request.id))
        )[0]?.certificateId;
  if (!certificateId) throw new Error("the server certificate's request ended without one");
  const row = await findCertificateById(ctx.db, certificateId);
  const privateKeyPem = openCertificateKey(ctx.kek, row);
  if (!privateKeyPem) throw new Error("the server certificate was stored without its key");
  ctx.log.info(
    { serialNumber: row.serialNumber, names, notAfter: row.notAfter.toISOString() },
    "issued the API's own TLS certificate",
  );
  return {
    certificatePem: `${row.certificate.trimEnd()}\n${row.certificateChain}`,
    privateKeyPem,
    serialNumber: row.serialNumber,
    notBefore: row.notBefore,
    notAfter: row.notAfter,
  };
}
