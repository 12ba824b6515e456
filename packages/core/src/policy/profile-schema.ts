import {
  type AltNameType,
  EXTENDED_KEY_USAGES,
  KEY_ALGORITHMS,
  KEY_USAGES,
  SIGNATURE_ALGORITHMS,
} from "@certq/pki";
import { z } from "zod";
import { altNamePatternProblem, commonNamePatternProblem } from "./name-patterns";
import { parseTtl } from "./ttl";

const MAX_PATTERNS = 1_000;
const MAX_PATTERN_LENGTH = 2_048;

const ttlSchema = z.string().superRefine((ttl, ctx) => {
  try {
    parseTtl(ttl);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

function patternsSchema(problem: (pattern: string) => string | undefined) {
  const pattern = z
    .string()
    .max(MAX_PATTERN_LENGTH)
    .superRefine((value, ctx) => {
      const message = problem(value);
      if (message) ctx.addIssue({ code: "custom", message });
    });
  return z.array(pattern).max(MAX_PATTERNS);
}

const altNamePatterns = (type: AltNameType) =>
  patternsSchema((pattern) => altNamePatternProblem(type, pattern)).optional();

// An empty list would leave a profile that can never issue; omitting the field allows any.
const nonEmpty = "list at least one, or leave the field out to allow any";

function usageRulesSchema<const T extends readonly string[]>(values: T) {
  return z
    .strictObject({
      allowed: z.array(z.enum(values)),
      required: z.array(z.enum(values)).default([]),
    })
    .superRefine((rules, ctx) => {
      rules.required.forEach((usage, index) => {
        if (!rules.allowed.includes(usage)) {
          ctx.addIssue({
            code: "custom",
            path: ["required", index],
            message: `'${usage}' is required but not allowed; allowed: [${rules.allowed.join(", ")}]`,
          });
        }
      });
    });
}

/** What a profile fills in when a request leaves a field out. Unknown keys are refused. */
export const profileDefaultsSchema = z.strictObject({
  ttl: ttlSchema.optional(),
  keyAlgorithm: z.enum(KEY_ALGORITHMS).optional(),
  signatureAlgorithm: z.enum(SIGNATURE_ALGORITHMS).optional(),
  keyUsages: z.array(z.enum(KEY_USAGES)).optional(),
  extendedKeyUsages: z.array(z.enum(EXTENDED_KEY_USAGES)).optional(),
});
export type ProfileDefaults = z.infer<typeof profileDefaultsSchema>;

/**
 * What a profile lets a request contain. Names are denied unless a pattern allows them
 * (an absent or empty list allows none); absent algorithm and usage rules allow any.
 * Malformed patterns, TTLs, and `required` usages outside `allowed` are issues at their path.
 */
export const profilePolicySchema = z.strictObject({
  commonName: patternsSchema(commonNamePatternProblem).optional(),
  altNames: z
    .strictObject({
      dns_name: altNamePatterns("dns_name"),
      ip_address: altNamePatterns("ip_address"),
      email: altNamePatterns("email"),
      uri: altNamePatterns("uri"),
    })
    .optional(),
  keyAlgorithms: z.array(z.enum(KEY_ALGORITHMS)).min(1, nonEmpty).optional(),
  signatureAlgorithms: z.array(z.enum(SIGNATURE_ALGORITHMS)).min(1, nonEmpty).optional(),
  keyUsages: usageRulesSchema(KEY_USAGES).optional(),
  extendedKeyUsages: usageRulesSchema(EXTENDED_KEY_USAGES).optional(),
  maxTtl: ttlSchema.optional(),
});
export type ProfilePolicy = z.infer<typeof profilePolicySchema>;
