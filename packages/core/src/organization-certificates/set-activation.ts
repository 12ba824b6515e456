import { certificates, uploadedCertificates } from "@certq/db";
import { inArray } from "drizzle-orm";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import type { Principal } from "../auth/principal";
import type { ServiceContext } from "../context";
import { findOrganizationCertificatesByUuid } from "./find-organization-certificate";
import {
  fromOrganizationCertificateId,
  type OrganizationCertificateItem,
  organizationCertificateItemSchema,
  toOrganizationCertificateId,
  toOrganizationCertificateItem,
} from "./organization-certificate";
import {
  OrganizationCertificateNotFoundError,
  OrganizationCertificateStateError,
} from "./organization-certificate-errors";

export const toggleOrganizationCertificatesInputSchema = z.strictObject({
  certificate_ids: z.array(z.string().min(1).max(64)).min(1).max(100),
});
export type ToggleOrganizationCertificatesInput = z.infer<
  typeof toggleOrganizationCertificatesInputSchema
>;

export const organizationCertificateActivationSchema = z.object({
  object: z.literal("organization.certificate.activation"),
  data: z.array(organizationCertificateItemSchema),
});
export const organizationCertificateDeactivationSchema = z.object({
  object: z.literal("organization.certificate.deactivation"),
  data: z.array(organizationCertificateItemSchema),
});

/**
 * Sets `active` on every listed certificate in one transaction: all or nothing, so one unknown
 * ID changes nothing. Idempotent; repeated IDs count once; results follow the request's order.
 */
export async function setOrganizationCertificatesActive(
  ctx: ServiceContext,
  principal: Principal,
  certificateIds: string[],
  active: boolean,
): Promise<OrganizationCertificateItem[]> {
  const uuids: string[] = [];
  for (const [index, id] of certificateIds.entries()) {
    const uuid = fromOrganizationCertificateId(id);
    if (!uuid) throw new OrganizationCertificateNotFoundError(id, `certificate_ids[${index}]`);
    if (!uuids.includes(uuid)) uuids.push(uuid);
  }
  return inAuditedTransaction(ctx, async (tx, audit) => {
    const found = await findOrganizationCertificatesByUuid(tx, uuids, { lock: true });
    for (const [index, id] of certificateIds.entries()) {
      const record = found.get(fromOrganizationCertificateId(id) ?? "");
      if (!record) throw new OrganizationCertificateNotFoundError(id, `certificate_ids[${index}]`);
      if (active && record.revoked) {
        throw new OrganizationCertificateStateError(
          `Certificate ${toOrganizationCertificateId(record.id)} is revoked and cannot be activated`,
          `certificate_ids[${index}]`,
          "certificate_revoked",
        );
      }
    }
    const records = uuids.map((uuid) => found.get(uuid)).filter((r) => r !== undefined);
    const issued = records.filter((r) => r.source === "issued").map((r) => r.id);
    const uploaded = records.filter((r) => r.source === "uploaded").map((r) => r.id);
    if (issued.length > 0) {
      await tx.update(certificates).set({ active }).where(inArray(certificates.id, issued));
    }
    if (uploaded.length > 0) {
      await tx
        .update(uploadedCertificates)
        .set({ active })
        .where(inArray(uploadedCertificates.id, uploaded));
    }
    for (const record of records) {
      await audit({
        principal,
        action: active ? "certificate.activated" : "certificate.deactivated",
        targetType: record.source === "issued" ? "certificate" : "uploaded_certificate",
        targetId: record.id,
        details: { wasActive: record.active },
      });
    }
    return records.map((record) => toOrganizationCertificateItem({ ...record, active }));
  });
}
