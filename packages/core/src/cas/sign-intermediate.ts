import {
  createCertificate,
  defaultSignatureAlgorithm,
  generateSerialNumber,
  joinPem,
  parseCsr,
  splitPemBundle,
} from "@certq/pki";
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
  });
  args.ctx.log.info({ caId: parent.id, serialNumber }, "subordinate CA certificate signed");
  return {
    certificate,
    issuingCaCertificate: signer.certificatePem,
    certificateChain: joinPem([signer.certificatePem, ...splitPemBundle(parent.certificateChain)]),
    serialNumber,
  };
}
