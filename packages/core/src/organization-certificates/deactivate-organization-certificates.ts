import type { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import {
  type organizationCertificateDeactivationSchema,
  setOrganizationCertificatesActive,
  type ToggleOrganizationCertificatesInput,
} from "./set-activation";

export type OrganizationCertificateDeactivation = z.infer<
  typeof organizationCertificateDeactivationSchema
>;

/** Deactivates certificates at the organization level, atomically and idempotently. */
export async function deactivateOrganizationCertificates(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: ToggleOrganizationCertificatesInput;
}): Promise<OrganizationCertificateDeactivation> {
  requireScope(args.principal, "certificates:issue");
  const data = await setOrganizationCertificatesActive(
    args.ctx,
    args.principal,
    args.input.certificate_ids,
    false,
  );
  return { object: "organization.certificate.deactivation", data };
}
