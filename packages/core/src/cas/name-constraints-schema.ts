import { hasNameConstraints, type NameSubtreeType, nameSubtreeProblem } from "@certq/pki";
import { z } from "zod";

// Enough for any real constraint set, and a bound on what one request makes us encode.
const MAX_SUBTREES = 64;

function subtreeList(type: NameSubtreeType) {
  return z
    .array(z.string().max(255))
    .max(MAX_SUBTREES)
    .superRefine((values, ctx) => {
      values.forEach((value, i) => {
        const problem = nameSubtreeProblem(type, value);
        if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
      });
    });
}

const subtreesSchema = z.strictObject({
  dns: subtreeList("dns").optional(),
  ip: subtreeList("ip").optional(),
  email: subtreeList("email").optional(),
});

/**
 * RFC 5280 nameConstraints as a CA is created or signed with: per side, DNS names
 * (`example.com`: it and its subdomains; `.example.com`: subdomains only), CIDR ranges and
 * email forms (`ops@example.com`, `example.com`, `.example.com`). At least one subtree.
 */
export const nameConstraintsInputSchema = z
  .strictObject({ permitted: subtreesSchema.optional(), excluded: subtreesSchema.optional() })
  .refine(hasNameConstraints, "must name at least one permitted or excluded subtree");

const decodedSubtreesSchema = z.object({
  dns: z.array(z.string()),
  ip: z.array(z.string()),
  email: z.array(z.string()),
  /** uniformResourceIdentifier subtrees (only in certificates made elsewhere). */
  uri: z.array(z.string()),
  /** Subtrees of kinds certq does not read (directoryName, otherName, ...). */
  other: z.array(z.string()),
});

/** A CA's nameConstraints as its view shows them. */
export const nameConstraintsViewSchema = z.object({
  critical: z.boolean(),
  permitted: decodedSubtreesSchema,
  excluded: decodedSubtreesSchema,
});
export type NameConstraintsView = z.infer<typeof nameConstraintsViewSchema>;
