import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { NotFoundError } from "../errors";
import { isUuid } from "../uuid";
import { findCertificateById } from "./find-certificate";

/** seeds/003: an OpenAI-style certificate object. */
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

const PREFIX = "cert_";

/** OpenAI-style IDs are `cert_` and the certificate UUID's 32 hex digits. */
export function toOrganizationCertificateId(uuid: string): string {
  return PREFIX + uuid.replaceAll("-", "");
}

/** Accepts the `cert_` form and, for clients holding Infisical's certificateId, the UUID. */
export function fromOrganizationCertificateId(id: string): string | null {
  if (isUuid(id)) return id.toLowerCase();
  const hex = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : "";
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export async function getOrganizationCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  certificateId: string;
  includeContent: boolean;
}): Promise<OrganizationCertificate> {
  requireScope(args.principal, "certificates:read");
  const uuid = fromOrganizationCertificateId(args.certificateId);
  if (!uuid) throw new NotFoundError("Certificate", args.certificateId);
  const row = await findCertificateById(args.ctx.db, uuid);
  return {
    object: "certificate",
    id: toOrganizationCertificateId(row.id),
    name: row.name,
    created_at: unixSeconds(row.createdAt),
    certificate_details: {
      valid_at: unixSeconds(row.notBefore),
      expires_at: unixSeconds(row.notAfter),
      ...(args.includeContent ? { content: row.certificate } : {}),
    },
  };
}
