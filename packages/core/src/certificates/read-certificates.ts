import { type CertificateRow, certificateRequests, certificates, type Executor } from "@certq/db";
import { splitPemBundle } from "@certq/pki";
import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { recordPrivateKeyRead } from "../audit/private-key-read";
import { hasScope, type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { NotFoundError } from "../errors";
import { openCertificateKey } from "./certificate-key";
import { findCertificateById, findCertificateBySerial } from "./find-certificate";

export const certificateDetailsSchema = z.object({
  id: z.uuid(),
  serialNumber: z.string(),
  commonName: z.string(),
  altNames: z.array(z.object({ type: z.string(), value: z.string() })),
  keyAlgorithm: z.string(),
  status: z.enum(["active", "revoked"]),
  notBefore: z.string(),
  notAfter: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.string().nullable(),
  caId: z.uuid(),
  profileId: z.uuid().nullable(),
  requestId: z.uuid().nullable(),
  createdAt: z.string(),
});
export type CertificateDetails = z.infer<typeof certificateDetailsSchema>;

/** One certificate's details with its place in a renewal chain. */
export const certificateWithRenewalsSchema = certificateDetailsSchema.extend({
  /** The certificate this one renewed. */
  renewedFromSerialNumber: z.string().nullable(),
  /** The certificate that renewed this one, once issued. */
  renewedBySerialNumber: z.string().nullable(),
});
export type CertificateWithRenewals = z.infer<typeof certificateWithRenewalsSchema>;

/** seeds/004's 200 body; privateKey only for tokens allowed to read keys. */
export const issuedCertificateSchema = z.strictObject({
  certificate: z.string(),
  issuingCaCertificate: z.string(),
  certificateChain: z.string(),
  privateKey: z.string().optional(),
  serialNumber: z.string(),
  certificateId: z.string(),
});
export type IssuedCertificate = z.infer<typeof issuedCertificateSchema>;

interface Args {
  ctx: ServiceContext;
  principal: Principal;
}

export function toCertificateDetails(row: CertificateRow): CertificateDetails {
  return {
    id: row.id,
    serialNumber: row.serialNumber,
    commonName: row.commonName,
    altNames: row.altNames,
    keyAlgorithm: row.keyAlgorithm,
    status: row.status,
    notBefore: row.notBefore.toISOString(),
    notAfter: row.notAfter.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revocationReason: row.revocationReason,
    caId: row.caId,
    profileId: row.profileId,
    requestId: row.requestId,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function getCertificateDetails(
  args: Args & { serialNumber: string },
): Promise<CertificateWithRenewals> {
  requireScope(args.principal, "certificates:read");
  const row = await findCertificateBySerial(args.ctx.db, args.serialNumber);
  return { ...toCertificateDetails(row), ...(await findRenewalLinks(args.ctx.db, row)) };
}

async function findRenewalLinks(db: Executor, row: CertificateRow) {
  const renewed = alias(certificates, "renewed");
  const [from] = row.requestId
    ? await db
        .select({ serialNumber: renewed.serialNumber })
        .from(certificateRequests)
        .innerJoin(renewed, eq(renewed.id, certificateRequests.replacesCertificateId))
        .where(eq(certificateRequests.id, row.requestId))
    : [];
  const [by] = await db
    .select({ serialNumber: certificates.serialNumber })
    .from(certificateRequests)
    .innerJoin(certificates, eq(certificates.requestId, certificateRequests.id))
    .where(eq(certificateRequests.replacesCertificateId, row.id))
    .limit(1);
  return {
    renewedFromSerialNumber: from?.serialNumber ?? null,
    renewedBySerialNumber: by?.serialNumber ?? null,
  };
}

export async function getCertificateBundle(args: Args & { serialNumber: string }) {
  requireScope(args.principal, "certificates:read");
  const row = await findCertificateBySerial(args.ctx.db, args.serialNumber);
  return {
    certificate: row.certificate,
    certificateChain: row.certificateChain,
    serialNumber: row.serialNumber,
  };
}

/** The leaf's private key (PKCS#8 PEM); 404 when we never held it (CSR signing). */
export async function getCertificatePrivateKey(
  args: Args & { serialNumber: string },
): Promise<string> {
  requireScope(args.principal, "certificates:read-private-key");
  const row = await findCertificateBySerial(args.ctx.db, args.serialNumber);
  const pem = openCertificateKey(args.ctx.kek, row);
  if (!pem) {
    throw new NotFoundError("Private key of certificate", args.serialNumber);
  }
  await recordPrivateKeyRead(args, row, "private-key");
  return pem;
}

/** The issued certificate as seeds/004 shapes it. */
export async function getIssuedCertificate(
  args: Args & { certificateId: string },
): Promise<IssuedCertificate> {
  requireScope(args.principal, "certificates:read");
  const row = await findCertificateById(args.ctx.db, args.certificateId);
  const privateKey = hasScope(args.principal, "certificates:read-private-key")
    ? openCertificateKey(args.ctx.kek, row)
    : null;
  if (privateKey) await recordPrivateKeyRead(args, row, "issued-certificate");
  const [issuingCaCertificate = ""] = splitPemBundle(row.certificateChain);
  return {
    certificate: row.certificate,
    issuingCaCertificate,
    certificateChain: row.certificateChain,
    ...(privateKey ? { privateKey } : {}),
    serialNumber: row.serialNumber,
    certificateId: row.id,
  };
}
