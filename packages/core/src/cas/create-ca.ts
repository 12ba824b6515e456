import { randomUUID } from "node:crypto";
import { certificateAuthorities } from "@certq/db";
import {
  createCertificate,
  createCsr,
  defaultSignatureAlgorithm,
  generateKeyPair,
  generateSerialNumber,
  parseCertificate,
  type SubjectInput,
} from "@certq/pki";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import { CLOCK_SKEW_MS } from "../certificate-requests/validity";
import type { ServiceContext } from "../context";
import { sealCaKey } from "./ca-key";
import type { CaView, CreateCaInput } from "./ca-schemas";
import { toCaView } from "./ca-view";

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Creates a self-signed, active root, or an intermediate awaiting its certificate (with a CSR). */
export async function createCa(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: CreateCaInput;
}): Promise<CaView> {
  requireScope(args.principal, "cas:manage");
  const { input } = args;
  const now = args.ctx.now();
  const id = randomUUID();
  const subject: SubjectInput = {
    commonName: input.commonName,
    organization: input.organization,
    ou: input.ou,
    country: input.country,
    province: input.province,
    locality: input.locality,
  };
  const keyPair = await generateKeyPair(input.keyAlgorithm);
  const signatureAlgorithm = defaultSignatureAlgorithm(input.keyAlgorithm);
  const ca = { maxPathLength: input.maxPathLength };
  // Backdated like leaves, so a leaf issued right away still starts inside its CA's validity.
  const notBefore = input.notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter =
    input.notAfter ?? new Date(notBefore.getTime() + (input.type === "root" ? 10 : 5) * YEAR_MS);

  const common = {
    id,
    type: input.type,
    commonName: input.commonName,
    organization: input.organization ?? "",
    ou: input.ou ?? "",
    country: input.country ?? "",
    province: input.province ?? "",
    locality: input.locality ?? "",
    keyAlgorithm: input.keyAlgorithm,
    maxPathLength: input.maxPathLength,
    notBefore,
    notAfter,
    encryptedPrivateKey: sealCaKey(args.ctx.kek, id, keyPair.privateKeyPkcs8),
    nameConstraints: input.nameConstraints ?? null,
  };

  let values: typeof certificateAuthorities.$inferInsert;
  if (input.type === "root") {
    const certificate = await createCertificate({
      subject,
      publicKeySpki: keyPair.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore,
      notAfter,
      signatureAlgorithm,
      issuer: {
        selfSigned: { privateKeyPkcs8: keyPair.privateKeyPkcs8, keyAlgorithm: input.keyAlgorithm },
      },
      ca,
      nameConstraints: input.nameConstraints,
    });
    const info = parseCertificate(certificate);
    values = {
      ...common,
      status: "active",
      certificate,
      serialNumber: info.serialNumber,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    };
  } else {
    const csr = await createCsr({
      subject,
      publicKeySpki: keyPair.publicKeySpki,
      privateKeyPkcs8: keyPair.privateKeyPkcs8,
      keyAlgorithm: input.keyAlgorithm,
      signatureAlgorithm,
      ca,
    });
    values = { ...common, status: "pending-certificate", csr };
  }

  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx.insert(certificateAuthorities).values(values).returning();
    if (!row) throw new Error("CA insert returned no row");
    await audit({
      principal: args.principal,
      action: "ca.created",
      targetType: "ca",
      targetId: row.id,
      details: { type: row.type, commonName: row.commonName, keyAlgorithm: row.keyAlgorithm },
    });
    return row;
  });
  args.ctx.log.info({ caId: row.id, type: row.type }, "CA created");
  return toCaView(row);
}
