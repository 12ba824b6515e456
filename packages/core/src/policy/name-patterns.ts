import type { AltNameType } from "@certq/pki";
import { dnsPatternProblem, matchesDnsPattern } from "./dns-pattern";
import { emailPatternProblem, matchesEmailPattern } from "./email-pattern";
import { ipPatternProblem, matchesIpPattern } from "./ip-range";
import { matchesUriPattern, uriPatternProblem } from "./uri-pattern";

const CONTROL_CHARACTERS = /\p{Cc}/u;
// RFC 5280's upper bound for a commonName.
const MAX_COMMON_NAME_LENGTH = 64;

/**
 * Why a commonName pattern is malformed, or undefined. Any non-empty text of at most 64
 * characters without control characters: a DNS pattern, or a literal such as `Jane Doe`.
 */
export function commonNamePatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > MAX_COMMON_NAME_LENGTH) {
    return `must be at most ${MAX_COMMON_NAME_LENGTH} characters`;
  }
  if (CONTROL_CHARACTERS.test(pattern)) return "must not contain control characters";
  if (!pattern.isWellFormed()) return "must be well-formed Unicode";
  return undefined;
}

/**
 * Whether a commonName matches a pattern: exactly as written (case-sensitive), or, when the
 * pattern is a well-formed DNS pattern, by the DNS rules (case-insensitive, `*` = one label).
 * A pattern that is not a DNS pattern (`Jane Doe`, `build *`) is only ever a literal.
 */
export function matchesCommonNamePattern(commonName: string, pattern: string): boolean {
  if (commonName === pattern) return true;
  return dnsPatternProblem(pattern) === undefined && matchesDnsPattern(commonName, pattern);
}

const ALT_NAME_RULES: Record<
  AltNameType,
  {
    problem: (pattern: string) => string | undefined;
    matches: (value: string, pattern: string) => boolean;
  }
> = {
  dns_name: { problem: dnsPatternProblem, matches: matchesDnsPattern },
  ip_address: { problem: ipPatternProblem, matches: matchesIpPattern },
  email: { problem: emailPatternProblem, matches: matchesEmailPattern },
  uri: { problem: uriPatternProblem, matches: matchesUriPattern },
};

/** Why a pattern for alternative names of this type is malformed, or undefined. */
export function altNamePatternProblem(type: AltNameType, pattern: string): string | undefined {
  return ALT_NAME_RULES[type].problem(pattern);
}

/** Whether an alternative name's value matches a pattern of its type. */
export function matchesAltNamePattern(type: AltNameType, value: string, pattern: string): boolean {
  return ALT_NAME_RULES[type].matches(value, pattern);
}
