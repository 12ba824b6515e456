import type {
  AltName,
  ExtendedKeyUsage,
  KeyAlgorithm,
  KeyUsage,
  SignatureAlgorithm,
} from "@certq/pki";
import { PolicyViolationError } from "../errors";
import { matchesAltNamePattern, matchesCommonNamePattern } from "./name-patterns";
import type { ProfilePolicy } from "./profile-schema";
import { formatTtl, parseTtl } from "./ttl";

/** A fully resolved request (defaults applied), as a profile's policy sees it. */
export interface PolicyRequest {
  commonName?: string;
  altNames: AltName[];
  keyAlgorithm: KeyAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
  /** The certificate's lifetime, checked against maxTtl. */
  ttlMs: number;
}

const list = (values: readonly string[]) => `[${values.join(", ")}]`;

function commonNameViolations(policy: ProfilePolicy, commonName: string | undefined): string[] {
  if (commonName === undefined) return [];
  const patterns = policy.commonName ?? [];
  if (patterns.length === 0) {
    return [`commonName '${commonName}' is not allowed: the profile allows no commonName`];
  }
  if (patterns.some((pattern) => matchesCommonNamePattern(commonName, pattern))) return [];
  return [`commonName '${commonName}' is not allowed by the profile's patterns ${list(patterns)}`];
}

function altNameViolations(policy: ProfilePolicy, altNames: AltName[]): string[] {
  return altNames.flatMap(({ type, value }) => {
    const patterns = policy.altNames?.[type] ?? [];
    if (patterns.length === 0) {
      return [`altNames: ${type} '${value}' is not allowed: the profile allows no ${type} names`];
    }
    if (patterns.some((pattern) => matchesAltNamePattern(type, value, pattern))) return [];
    return [
      `altNames: ${type} '${value}' is not allowed by the profile's patterns ${list(patterns)}`,
    ];
  });
}

function algorithmViolations(
  field: "keyAlgorithm" | "signatureAlgorithm",
  allowed: readonly string[] | undefined,
  value: string,
): string[] {
  if (!allowed || allowed.includes(value)) return [];
  return [`${field} '${value}' is not allowed; allowed: ${list(allowed)}`];
}

function usageViolations(
  field: "keyUsages" | "extendedKeyUsages",
  rules: { allowed: readonly string[]; required: readonly string[] } | undefined,
  requested: readonly string[],
): string[] {
  if (!rules) return [];
  const notAllowed = requested
    .filter((usage) => !rules.allowed.includes(usage))
    .map((usage) => `${field}: '${usage}' is not allowed; allowed: ${list(rules.allowed)}`);
  const missing = rules.required
    .filter((usage) => !requested.includes(usage))
    .map((usage) => `${field}: '${usage}' is required`);
  return [...notAllowed, ...missing];
}

function ttlViolations(maxTtl: string | undefined, ttlMs: number): string[] {
  // Allowing only on `<=` refuses a NaN lifetime too.
  if (maxTtl === undefined || ttlMs <= parseTtl(maxTtl)) return [];
  return [`ttl '${formatTtl(ttlMs)}' exceeds the profile's maxTtl '${maxTtl}'`];
}

/**
 * Every way the request breaks the policy, each message naming the value and the rule;
 * empty when the request is allowed. Names are denied by default: a commonName needs a
 * matching commonName pattern, an altName a matching pattern of its type. Absent algorithm
 * lists and usage rules allow anything; maxTtl bounds the lifetime when present.
 */
export function evaluatePolicy(policy: ProfilePolicy, request: PolicyRequest): string[] {
  const violations = [
    ...commonNameViolations(policy, request.commonName),
    ...altNameViolations(policy, request.altNames),
    ...algorithmViolations("keyAlgorithm", policy.keyAlgorithms, request.keyAlgorithm),
    ...algorithmViolations(
      "signatureAlgorithm",
      policy.signatureAlgorithms,
      request.signatureAlgorithm,
    ),
    ...usageViolations("keyUsages", policy.keyUsages, request.keyUsages),
    ...usageViolations("extendedKeyUsages", policy.extendedKeyUsages, request.extendedKeyUsages),
    ...ttlViolations(policy.maxTtl, request.ttlMs),
  ];
  return [...new Set(violations)];
}

/** Throws PolicyViolationError with every violation when the policy refuses the request. */
export function assertPolicy(policy: ProfilePolicy, request: PolicyRequest): void {
  const violations = evaluatePolicy(policy, request);
  if (violations.length > 0) throw new PolicyViolationError(violations);
}

/**
 * The name rules alone: what an ACME order's identifiers are checked against at new-order,
 * before any CSR (and so any key or usage) exists.
 */
export function evaluateNamePolicy(
  policy: ProfilePolicy,
  names: { commonName?: string; altNames: AltName[] },
): string[] {
  return [
    ...new Set([
      ...commonNameViolations(policy, names.commonName),
      ...altNameViolations(policy, names.altNames),
    ]),
  ];
}
