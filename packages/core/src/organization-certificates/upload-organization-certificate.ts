import { certificates, uploadedCertificates } from "@certq/db";
import { type CertificateInfo, PkiError, parseCertificate, splitPemBundle } from "@certq/pki";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { isUniqueViolation } from "../pg-errors";
import { plainText } from "../subject-schema";
import {
  type OrganizationCertificate,
  toOrganizationCertificate,
  toOrganizationCertificateId,
} from "./organization-certificate";
import { DuplicateCertificateError } from "./organization-certificate-errors";

export const uploadOrganizationCertificateInputSchema = z.strictObject({
  /** Optional as in OpenAI's API; defaults to the certificate's subject. */
  name: plainText(255).trim().min(1).optional(),
  /** Exactly one PEM certificate. */
  content: z
    .string()
    .min(1)
    .max(64 * 1024),
});
export type UploadOrganizationCertificateInput = z.infer<
  typeof uploadOrganizationCertificateInputSchema
>;

function parseContent(content: string): CertificateInfo {
  try {
    return parseCertificate(content);
  } catch (error) {
    if (error instanceof PkiError) {
      throw new BadRequestError(error.message.replace(/^certificate\b/, "content"), "content");
    }
    throw error;
  }
}

function defaultName(info: CertificateInfo): string {
  const name = info.subject.commonName || info.subjectString || `serial ${info.serialNumber}`;
  return name.slice(0, 255);
}

/**
 * Stores a certificate certq did not issue. It starts inactive (as in OpenAI's API); the same
 * certificate (by SHA-256 fingerprint) is accepted once, and one certq issued is refused since
 * it is listed already.
 */
export async function uploadOrganizationCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: UploadOrganizationCertificateInput;
}): Promise<OrganizationCertificate> {
  requireScope(args.principal, "certificates:issue");
  const { input } = args;
  const info = parseContent(input.content);
  const db = args.ctx.db;

  const [ours] = await db
    .select({ id: certificates.id, certificate: certificates.certificate })
    .from(certificates)
    .where(eq(certificates.serialNumber, info.serialNumber))
    .limit(1);
  if (ours && parseCertificate(ours.certificate).fingerprintSha256 === info.fingerprintSha256) {
    throw new DuplicateCertificateError(
      `This certificate was issued by certq and is already listed as ${toOrganizationCertificateId(ours.id)}`,
    );
  }

  try {
    const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
      const [row] = await tx
        .insert(uploadedCertificates)
        .values({
          name: input.name ?? defaultName(info),
          // Stored re-wrapped, without whatever text surrounded the PEM block.
          certificate: splitPemBundle(input.content)[0] ?? input.content,
          fingerprintSha256: info.fingerprintSha256,
          serialNumber: info.serialNumber,
          subject: info.subjectString,
          issuer: info.issuerString,
          notBefore: info.notBefore,
          notAfter: info.notAfter,
        })
        .returning();
      if (!row) throw new Error("uploaded certificate insert returned no row");
      await audit({
        principal: args.principal,
        action: "certificate.uploaded",
        targetType: "uploaded_certificate",
        targetId: row.id,
        details: { name: row.name, serialNumber: row.serialNumber, subject: row.subject },
      });
      return row;
    });
    return toOrganizationCertificate({ ...row, source: "uploaded", revoked: false });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const [existing] = await db
      .select({ id: uploadedCertificates.id })
      .from(uploadedCertificates)
      .where(eq(uploadedCertificates.fingerprintSha256, info.fingerprintSha256))
      .limit(1);
    throw new DuplicateCertificateError(
      `This certificate (SHA-256 fingerprint ${info.fingerprintSha256}) was already uploaded${existing ? ` as ${toOrganizationCertificateId(existing.id)}` : ""}`,
    );
  }
}
