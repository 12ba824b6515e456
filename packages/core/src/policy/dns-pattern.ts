// The same label syntax @certq/pki accepts in a dNSName (RFC 1123), so a pattern can only
// allow names that can be issued. Internationalised names must be written in punycode.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const MAX_NAME_LENGTH = 253;

/**
 * Why a DNS pattern is malformed, or undefined when it is well-formed. A pattern is dot
 * separated labels, each an RFC 1123 label or `*` (one whole label; `**`, `a*` are refused).
 */
export function dnsPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  const bad = pattern.split(".").find((label) => label !== "*" && !LABEL.test(label));
  if (bad === undefined) return undefined;
  return `'${pattern}' has the label '${bad}', which is neither a DNS label nor '*' (a whole label)`;
}

/**
 * Whether a DNS name matches a pattern, ignoring case. Both must have as many labels; a `*`
 * pattern label stands for exactly one label, so `*.example.com` matches `a.example.com`
 * but neither `example.com` nor `a.b.example.com`. A wildcard name (`*.example.com`) needs
 * a `*` at that place in the pattern: `*` in a name matches only `*` in a pattern.
 */
export function matchesDnsPattern(name: string, pattern: string): boolean {
  const names = name.toLowerCase().split(".");
  const patterns = pattern.toLowerCase().split(".");
  if (names.length !== patterns.length) return false;
  return patterns.every((wanted, i) => {
    const label = names[i] ?? "";
    return wanted === "*" ? label === "*" || LABEL.test(label) : label === wanted;
  });
}
