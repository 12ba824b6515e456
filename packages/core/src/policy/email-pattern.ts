import { dnsPatternProblem, matchesDnsPattern } from "./dns-pattern";

// rfc822Name is an IA5String: printable ASCII without spaces.
const LOCAL_PART = /^[\x21-\x3f\x41-\x7e]+$/;

function split(email: string): { local: string; domain: string } {
  const at = email.lastIndexOf("@");
  return at < 0
    ? { local: "", domain: "" }
    : { local: email.slice(0, at), domain: email.slice(at + 1) };
}

/**
 * Why an email pattern is malformed, or undefined. Forms: `user@example.com`,
 * `*@example.com` (any local part), and a domain that is a DNS pattern (`*@*.example.com`).
 */
export function emailPatternProblem(pattern: string): string | undefined {
  const { local, domain } = split(pattern);
  if (local === "" || !LOCAL_PART.test(local) || (local !== "*" && local.includes("*"))) {
    return `'${pattern}' is not an email pattern like user@example.com, *@example.com or *@*.example.com`;
  }
  return dnsPatternProblem(domain);
}

/**
 * Whether an email address matches a pattern. The local part matches exactly (it is
 * case-sensitive by RFC 5321) or through `*`; the domain follows the DNS rules, ignoring
 * case. A domain holding `*` never matches: email addresses have no wildcards.
 */
export function matchesEmailPattern(email: string, pattern: string): boolean {
  const requested = split(email);
  const wanted = split(pattern);
  if (!LOCAL_PART.test(requested.local) || requested.domain.includes("*")) return false;
  if (wanted.local !== "*" && wanted.local !== requested.local) return false;
  return matchesDnsPattern(requested.domain, wanted.domain);
}
