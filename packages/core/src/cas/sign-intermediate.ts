import { certificateAuthorities, type Executor } from "@certq/db";
import {
  createCertificate,
  decodePem,
  defaultSignatureAlgorithm,
  encodePem,
  generateSerialNumber,
  joinPem,
  type NameConstraintsInput,
  parseCsr,
  splitPemBundle,
} from "@certq/pki";
import { and, eq } from "drizzle-orm";
import { recordAuditNow } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { loadCaSigner } from "./ca-key";
import type { SignIntermediateInput } from "./ca-schemas";
import { assertCaCanSign, findCa } from "./find-ca";

export interface SignedIntermediate {
  certificate: string;
  issuingCaCertificate: string;
  certificateChain: string;
  serialNumber: string;
}

/** One of our CAs signs a subordinate CA's CSR, so a whole hierarchy works without openssl. */
export async function signIntermediate(args: {
  ctx: ServiceContext;
  principal: Principal;
  caId: string;
  input: SignIntermediateInput;
}): Promise<SignedIntermediate> {
  requireScope(args.principal, "cas:manage");
  const { input } = args;
  const parent = await findCa(args.ctx.db, args.caId);
  const now = args.ctx.now();
  assertCaCanSign(parent, now);

  if (parent.maxPathLength === 0) {
    throw new BadRequestError(
      `CA ${parent.id} has pathLen 0 and cannot sign subordinate CAs`,
      "caId",
    );
  }
  const ceiling = parent.maxPathLength > 0 ? parent.maxPathLength - 1 : undefined;
  const maxPathLength = input.maxPathLength ?? ceiling ?? -1;
  if (ceiling !== undefined && (maxPathLength === -1 || maxPathLength > ceiling)) {
    throw new BadRequestError(
      `maxPathLength must be at most ${ceiling} under CA ${parent.id} (pathLen ${parent.maxPathLength})`,
      "maxPathLength",
    );
  }

  const notBefore = input.notBefore ?? now;
  const notAfter = input.notAfter;
  if (
    (parent.notBefore && notBefore < parent.notBefore) ||
    (parent.notAfter && notAfter > parent.notAfter)
  ) {
    throw new BadRequestError(
      `validity ${notBefore.toISOString()} .. ${notAfter.toISOString()} must lie inside the issuing CA's (${parent.notBefore?.toISOString()} .. ${parent.notAfter?.toISOString()})`,
      "notAfter",
    );
  }

  const csr = await parseCsr(input.csr);
  const nameConstraints =
    input.nameConstraints === undefined
      ? await requestedNameConstraints(args.ctx.db, input.csr)
      : input.nameConstraints;
  const signer = loadCaSigner(args.ctx.kek, parent, args.ctx.hsm);
  const serialNumber = generateSerialNumber();
  const certificate = await createCertificate({
    subject: csr.subject,
    publicKeySpki: csr.publicKeySpki,
    serialNumber,
    notBefore,
    notAfter,
    signatureAlgorithm: defaultSignatureAlgorithm(signer.keyAlgorithm),
    issuer: signer,
    ca: { maxPathLength },
    nameConstraints: nameConstraints ?? undefined,
  });
  // Nothing else is stored: the row commits before the certificate leaves.
  await recordAuditNow(args.ctx, {
    principal: args.principal,
    action: "ca.intermediate_signed",
    targetType: "ca",
    targetId: parent.id,
    details: { serialNumber, subject: csr.subjectString, notAfter: notAfter.toISOString() },
  });
  args.ctx.log.info({ caId: parent.id, serialNumber }, "subordinate CA certificate signed");
  return {
    certificate,
    issuingCaCertificate: signer.certificatePem,
    certificateChain: joinPem([signer.certificatePem, ...splitPemBundle(parent.certificateChain)]),
    serialNumber,
  };
}

/**
 * The nameConstraints one of our intermediates was created with, when `csrPem` is its CSR
 * (the same DER; PEM line breaks may differ), else null.
 */
async function requestedNameConstraints(
  db: Executor,
  csrPem: string,
): Promise<NameConstraintsInput | null> {
  const canonical = encodePem(
    "CERTIFICATE REQUEST",
    decodePem(csrPem, "CERTIFICATE REQUEST", "csr"),
  );
  const [row] = await db
    .select({ nameConstraints: certificateAuthorities.nameConstraints })
    .from(certificateAuthorities)
    .where(
      and(
        eq(certificateAuthorities.status, "pending-certificate"),
        eq(certificateAuthorities.csr, canonical),
      ),
    )
    .limit(1);
  return (row?.nameConstraints as NameConstraintsInput | null | undefined) ?? null;
}
