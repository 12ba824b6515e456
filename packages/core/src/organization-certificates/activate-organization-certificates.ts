import type { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import {
  type organizationCertificateActivationSchema,
  setOrganizationCertificatesActive,
  type ToggleOrganizationCertificatesInput,
} from "./set-activation";

export type OrganizationCertificateActivation = z.infer<
  typeof organizationCertificateActivationSchema
>;

/** Activates certificates at the organization level, atomically and idempotently. */
export async function activateOrganizationCertificates(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: ToggleOrganizationCertificatesInput;
}): Promise<OrganizationCertificateActivation> {
  requireScope(args.principal, "certificates:issue");
  const data = await setOrganizationCertificatesActive(
    args.ctx,
    args.principal,
    args.input.certificate_ids,
    true,
  );
  return { object: "organization.certificate.activation", data };
}
