import { z } from "zod";

export const ACME_CHALLENGE_TYPES = ["http-01", "dns-01", "tls-alpn-01"] as const;
export type AcmeChallengeType = (typeof ACME_CHALLENGE_TYPES)[number];

/** ACME enrollment on a profile (as Infisical's profiles have it): off when absent. */
export const acmeEnrollmentSchema = z.strictObject({
  /** New accounts need an external account binding (an operator's EAB key). */
  requireEab: z.boolean().default(true),
  /** The challenges offered for each identifier; wildcards get dns-01 only. */
  challengeTypes: z
    .array(z.enum(ACME_CHALLENGE_TYPES))
    .min(1, "list at least one challenge type, or leave the field out for all")
    .refine((types) => new Set(types).size === types.length, "list each challenge type once")
    .default([...ACME_CHALLENGE_TYPES]),
});
export type AcmeEnrollment = z.infer<typeof acmeEnrollmentSchema>;

/**
 * API enrollment's server-driven renewal (Infisical's `autoRenew`, `renewBeforeDays`): a
 * scheduled scan renews the profile's API-issued certificates before they expire.
 */
export const apiEnrollmentSchema = z.strictObject({
  autoRenew: z.boolean().default(false),
  /** Renew this many days before notAfter (at half the lifetime, if that comes later). */
  renewBeforeDays: z.number().int().min(1).max(365).default(30),
});
export type ApiEnrollment = z.infer<typeof apiEnrollmentSchema>;

/** How clients may enroll: renewal of API-issued certificates, and ACME. */
export const profileEnrollmentSchema = z.strictObject({
  api: apiEnrollmentSchema.optional(),
  acme: acmeEnrollmentSchema.optional(),
});
export type ProfileEnrollment = z.infer<typeof profileEnrollmentSchema>;

/** The ACME directory of a profile, under the public URL. */
export function acmeDirectoryUrl(publicUrl: string, profileId: string): string {
  return `${publicUrl}/acme/profiles/${profileId}/directory`;
}
