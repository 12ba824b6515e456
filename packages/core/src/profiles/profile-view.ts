import type { CertificateProfileRow } from "@certq/db";
import { profileDefaultsSchema, profilePolicySchema } from "../policy";
import { acmeDirectoryUrl, profileEnrollmentSchema } from "./enrollment-schema";
import type { ProfileView } from "./profile-schemas";

/** Rows hold JSON; parsing through the same schemas keeps stored and served shapes one. */
export function toProfileView(row: CertificateProfileRow, publicUrl: string): ProfileView {
  const enrollment = profileEnrollmentSchema.parse(row.enrollment ?? {});
  return {
    id: row.id,
    slug: row.slug,
    description: row.description,
    caId: row.caId,
    defaults: profileDefaultsSchema.parse(row.defaults),
    policy: profilePolicySchema.parse(row.policy),
    webhookUrl: row.webhookUrl,
    enrollment,
    ...(enrollment.acme ? { acmeDirectoryUrl: acmeDirectoryUrl(publicUrl, row.id) } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
