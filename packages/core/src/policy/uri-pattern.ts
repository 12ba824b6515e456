import { dnsPatternProblem, matchesDnsPattern } from "./dns-pattern";

// scheme://host[:port][/path]: no user info, query or fragment, in patterns or in names.
const URI = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@:[\]]+)(?::(\d{1,5}))?(\/[^?#]*)?$/i;
// A path segment that `*` or a subtree may stand for: RFC 3986 pchar without `%` and `*`,
// so no encoded slash or dot can hide a different path from a relying party.
const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@]+$/;
// In a pattern, `*` is only ever a whole segment, so a literal segment cannot hold one.
const LITERAL_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+$/;
const MAX_URI_LENGTH = 2_048;

interface ParsedUri {
  scheme: string;
  host: string;
  port: string | undefined;
  // The path split at `/`: "" is [], "/" is [""], "/a/" is ["a", ""].
  segments: string[];
}

function parseUri(uri: string): ParsedUri | undefined {
  const match = uri.length <= MAX_URI_LENGTH ? URI.exec(uri) : null;
  if (!match) return undefined;
  const [, scheme = "", host = "", port, path = ""] = match;
  return { scheme: scheme.toLowerCase(), host, port, segments: path.split("/").slice(1) };
}

const withoutTrailingSlash = (segments: string[]) =>
  segments.at(-1) === "" ? segments.slice(0, -1) : segments;

const isPlainSegment = (segment: string) =>
  PLAIN_SEGMENT.test(segment) && segment !== "." && segment !== "..";

/**
 * Why a URI pattern is malformed, or undefined. A pattern is `scheme://host[:port][/path]`:
 * the host is a DNS pattern, each path segment is literal or `*`, and a trailing `/` makes
 * the pattern a prefix (see matchesUriPattern).
 */
export function uriPatternProblem(pattern: string): string | undefined {
  const parsed = parseUri(pattern);
  if (!parsed) {
    return `'${pattern}' is not a URI pattern like spiffe://cluster.local/ns/*/sa/* (scheme://host[:port][/path], no user info, query or fragment)`;
  }
  const hostProblem = dnsPatternProblem(parsed.host);
  if (hostProblem) return hostProblem;
  if (parsed.port !== undefined && !(Number(parsed.port) >= 1 && Number(parsed.port) <= 65_535)) {
    return `'${pattern}' has a port outside 1-65535`;
  }
  const segments = withoutTrailingSlash(parsed.segments);
  const bad = segments.find(
    (segment) =>
      segment !== "*" && (!LITERAL_SEGMENT.test(segment) || segment === "." || segment === ".."),
  );
  if (bad === undefined) return undefined;
  return `'${pattern}' has the path segment '${bad}', which is neither a literal segment nor '*' (a whole segment)`;
}

/**
 * Whether a URI matches a pattern. Scheme and host ignore case (the host follows the DNS
 * rules, `*` standing for one label); the port must be equal (both absent, or the same
 * digits); the path is case-sensitive, segment by segment, `*` standing for exactly one
 * non-empty segment. A pattern whose path ends in `/` is a prefix: it matches any path that
 * continues below it (`https://a.example.com/pub/` matches `/pub/` and `/pub/x/y`, not `/pub`).
 * URIs with a query, fragment, user info, `*` in the host, or a `.`, `..`, empty or
 * percent-encoded segment where the pattern has `*` or a prefix never match.
 */
export function matchesUriPattern(uri: string, pattern: string): boolean {
  const requested = parseUri(uri);
  const wanted = parseUri(pattern);
  if (!requested || !wanted || requested.host.includes("*")) return false;
  if (requested.scheme !== wanted.scheme || requested.port !== wanted.port) return false;
  if (!matchesDnsPattern(requested.host, wanted.host)) return false;

  const isPrefix = wanted.segments.at(-1) === "";
  const fixed = withoutTrailingSlash(wanted.segments);
  const got = requested.segments;
  if (isPrefix ? got.length <= fixed.length : got.length !== fixed.length) return false;
  const fixedMatch = fixed.every((segment, i) => {
    const actual = got[i] ?? "";
    return segment === "*" ? isPlainSegment(actual) : actual === segment;
  });
  // Below a prefix, only a trailing "/" may leave a segment empty.
  const below = got.slice(fixed.length);
  return (
    fixedMatch &&
    below.every(
      (segment, i) => (i === below.length - 1 && segment === "") || isPlainSegment(segment),
    )
  );
}
