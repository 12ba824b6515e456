import { certificates, uploadedCertificates } from "@certq/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { plainText } from "../subject-schema";
import { findOrganizationCertificate } from "./find-organization-certificate";
import {
  type OrganizationCertificate,
  toOrganizationCertificate,
} from "./organization-certificate";
import { OrganizationCertificateNotFoundError } from "./organization-certificate-errors";

export const renameOrganizationCertificateInputSchema = z.strictObject({
  name: plainText(255).trim().min(1),
});
export type RenameOrganizationCertificateInput = z.infer<
  typeof renameOrganizationCertificateInputSchema
>;

/** Renames an issued or an uploaded certificate; nothing else about it changes. */
export async function renameOrganizationCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  certificateId: string;
  input: RenameOrganizationCertificateInput;
}): Promise<OrganizationCertificate> {
  requireScope(args.principal, "certificates:issue");
  const record = await findOrganizationCertificate(args.ctx.db, args.certificateId);
  const name = args.input.name;
  const row = await inAuditedTransaction(args.ctx, async (db, audit) => {
    const [row] =
      record.source === "issued"
        ? await db
            .update(certificates)
            .set({ name })
            .where(eq(certificates.id, record.id))
            .returning({ name: certificates.name })
        : await db
            .update(uploadedCertificates)
            .set({ name })
            .where(eq(uploadedCertificates.id, record.id))
            .returning({ name: uploadedCertificates.name });
    // Deleted between the lookup and the update.
    if (!row) throw new OrganizationCertificateNotFoundError(args.certificateId, "certificate_id");
    await audit({
      principal: args.principal,
      action: "certificate.renamed",
      targetType: record.source === "issued" ? "certificate" : "uploaded_certificate",
      targetId: record.id,
      details: { previousName: record.name, name: row.name },
    });
    return row;
  });
  return toOrganizationCertificate({ ...record, name: row.name });
}
