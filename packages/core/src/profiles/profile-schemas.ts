import { z } from "zod";
import { profileDefaultsSchema, profilePolicySchema } from "../policy";
import { plainText } from "../subject-schema";
import { profileEnrollmentSchema } from "./enrollment-schema";

/** Input schemas are parsed at the edge (the route's validator); verbs receive parsed values. */
export const createProfileInputSchema = z.strictObject({
  slug: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9-]+$/, "must be lowercase letters, digits and hyphens"),
  description: plainText(1_000).optional(),
  caId: z.uuid(),
  defaults: profileDefaultsSchema.optional(),
  policy: profilePolicySchema,
  /** POSTed a signed JSON event when a request ends issued or failed; null removes it. */
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2_048)
    .nullable()
    .optional(),
  /** `{acme: {requireEab, challengeTypes}}` turns on ACME enrollment; `{}` turns it off. */
  enrollment: profileEnrollmentSchema.optional(),
});
export type CreateProfileInput = z.infer<typeof createProfileInputSchema>;

export const updateProfileInputSchema = createProfileInputSchema
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one field to change" });
export type UpdateProfileInput = z.infer<typeof updateProfileInputSchema>;

export const profileViewSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  description: z.string(),
  caId: z.uuid(),
  defaults: profileDefaultsSchema,
  policy: profilePolicySchema,
  webhookUrl: z.string().nullable(),
  enrollment: profileEnrollmentSchema,
  /** The ACME directory URL, when the profile enables ACME. */
  acmeDirectoryUrl: z.string().optional(),
  /** Only in the answer that created the webhook: the HMAC secret, shown once. */
  webhookSecret: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProfileView = z.infer<typeof profileViewSchema>;
