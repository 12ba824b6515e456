import { z } from "zod";
import { isUuid } from "../uuid";

/** seeds/003: an OpenAI-style certificate object (upload, rename, get one). */
export const organizationCertificateSchema = z.object({
  object: z.literal("certificate"),
  id: z.string(),
  name: z.string(),
  created_at: z.number().int(),
  certificate_details: z.object({
    valid_at: z.number().int(),
    expires_at: z.number().int(),
    content: z.string().optional(),
  }),
});
export type OrganizationCertificate = z.infer<typeof organizationCertificateSchema>;

/** The object in lists and activation results: no content, with `active`. */
export const organizationCertificateItemSchema = z.object({
  object: z.literal("organization.certificate"),
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  created_at: z.number().int(),
  certificate_details: z.object({
    valid_at: z.number().int(),
    expires_at: z.number().int(),
  }),
});
export type OrganizationCertificateItem = z.infer<typeof organizationCertificateItemSchema>;

const PREFIX = "cert_";

/** OpenAI-style IDs are `cert_` and the certificate UUID's 32 hex digits. */
export function toOrganizationCertificateId(uuid: string): string {
  return PREFIX + uuid.replaceAll("-", "");
}

/** Accepts the `cert_` form and, for clients holding Infisical's certificateId, the UUID. */
export function fromOrganizationCertificateId(id: string): string | null {
  if (isUuid(id)) return id.toLowerCase();
  const hex = id.startsWith(PREFIX) ? id.slice(PREFIX.length).toLowerCase() : "";
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One row of either table behind the organization API: certificates certq issued
 * (`certificates`) and certificates uploaded from elsewhere (`uploaded_certificates`).
 * Both key on random UUIDs, so one ID space covers both.
 */
export interface OrganizationCertificateRecord {
  source: "issued" | "uploaded";
  id: string;
  name: string;
  createdAt: Date;
  notBefore: Date;
  notAfter: Date;
  certificate: string;
  active: boolean;
  revoked: boolean;
}

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function toOrganizationCertificate(
  record: OrganizationCertificateRecord,
  includeContent = false,
): OrganizationCertificate {
  return {
    object: "certificate",
    id: toOrganizationCertificateId(record.id),
    name: record.name,
    created_at: unixSeconds(record.createdAt),
    certificate_details: {
      valid_at: unixSeconds(record.notBefore),
      expires_at: unixSeconds(record.notAfter),
      ...(includeContent ? { content: record.certificate } : {}),
    },
  };
}

export function toOrganizationCertificateItem(
  record: Omit<OrganizationCertificateRecord, "certificate" | "revoked" | "source">,
): OrganizationCertificateItem {
  return {
    object: "organization.certificate",
    id: toOrganizationCertificateId(record.id),
    name: record.name,
    active: record.active,
    created_at: unixSeconds(record.createdAt),
    certificate_details: {
      valid_at: unixSeconds(record.notBefore),
      expires_at: unixSeconds(record.notAfter),
    },
  };
}

/** Path parameter of the single-certificate routes. */
export const organizationCertificateIdSchema = z.string().min(1).max(64);
