import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { findOrganizationCertificate } from "./find-organization-certificate";
import {
  type OrganizationCertificate,
  toOrganizationCertificate,
} from "./organization-certificate";

/** seeds/003: one certificate, issued or uploaded, active or not; PEM on request. */
export async function getOrganizationCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  certificateId: string;
  includeContent: boolean;
}): Promise<OrganizationCertificate> {
  requireScope(args.principal, "certificates:read");
  const record = await findOrganizationCertificate(args.ctx.db, args.certificateId);
  return toOrganizationCertificate(record, args.includeContent);
}
