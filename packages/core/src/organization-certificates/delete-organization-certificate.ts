import { uploadedCertificates } from "@certq/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { findOrganizationCertificate } from "./find-organization-certificate";
import { toOrganizationCertificateId } from "./organization-certificate";
import { OrganizationCertificateStateError } from "./organization-certificate-errors";

export const organizationCertificateDeletedSchema = z.object({
  object: z.literal("certificate.deleted"),
  id: z.string(),
  deleted: z.literal(true),
});
export type OrganizationCertificateDeleted = z.infer<typeof organizationCertificateDeletedSchema>;

/**
 * Deletes an inactive uploaded certificate. Certificates certq issued stay: they are the CA's
 * record of what it signed (deactivate or revoke them instead).
 */
export async function deleteOrganizationCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  certificateId: string;
}): Promise<OrganizationCertificateDeleted> {
  requireScope(args.principal, "certificates:issue");
  return inAuditedTransaction(args.ctx, async (tx, audit) => {
    // Locked, so an activation cannot slip in between the check and the delete.
    const record = await findOrganizationCertificate(tx, args.certificateId, { lock: true });
    const id = toOrganizationCertificateId(record.id);
    if (record.source === "issued") {
      throw new OrganizationCertificateStateError(
        `Certificate ${id} was issued by certq and cannot be deleted: it is the CA's record of what it signed. Deactivate it (POST /v1/organization/certificates/deactivate) or revoke it instead`,
        "certificate_id",
        "certificate_not_deletable",
      );
    }
    if (record.active) {
      throw new OrganizationCertificateStateError(
        `Certificate ${id} is active; deactivate it (POST /v1/organization/certificates/deactivate) before deleting it`,
        "certificate_id",
        "certificate_active",
      );
    }
    await tx.delete(uploadedCertificates).where(eq(uploadedCertificates.id, record.id));
    await audit({
      principal: args.principal,
      action: "certificate.deleted",
      targetType: "uploaded_certificate",
      targetId: record.id,
      details: { name: record.name },
    });
    return { object: "certificate.deleted" as const, id, deleted: true as const };
  });
}
