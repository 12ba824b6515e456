import { describe, expect, it } from "vitest";
import { matchesUriPattern, uriPatternProblem } from "./uri-pattern";

const SA = "spiffe://cluster.local/ns/*/sa/*";

describe("matchesUriPattern", () => {
  it.each([
    // `*` in the path is exactly one non-empty segment
    ["spiffe://cluster.local/ns/default/sa/web", SA, true],
    ["spiffe://cluster.local/ns/default/sa/web/x", SA, false],
    ["spiffe://cluster.local/ns/default/sa", SA, false],
    ["spiffe://cluster.local/ns//sa/web", SA, false],
    ["spiffe://cluster.local/ns/a/b/sa/web", SA, false],
    ["spiffe://cluster.local/ns/../sa/web", SA, false],
    ["spiffe://cluster.local/ns/./sa/web", SA, false],
    ["spiffe://cluster.local/ns/a%2Fb/sa/web", SA, false],
    ["spiffe://cluster.local/ns/*/sa/web", SA, false],
    ["spiffe://cluster.local/ns/default/sa/web/", SA, false],
    // scheme and host ignore case; the path does not
    ["SPIFFE://Cluster.Local/ns/default/sa/web", SA, true],
    ["spiffe://cluster.local/NS/default/sa/web", SA, false],
    ["spiffe://cluster.local.evil.com/ns/default/sa/web", SA, false],
    ["https://cluster.local/ns/default/sa/web", SA, false],
    // `*` in the host is one label
    ["https://api.example.com/v1", "https://*.example.com/v1", true],
    ["https://a.api.example.com/v1", "https://*.example.com/v1", false],
    ["https://*.example.com/v1", "https://*.example.com/v1", false],
    // ports must be equal
    ["https://example.com:8443/", "https://example.com:8443/", true],
    ["https://example.com/", "https://example.com:8443/", false],
    ["https://example.com:443/", "https://example.com/", false],
    // without a trailing slash, the whole path must match
    ["https://example.com", "https://example.com", true],
    ["https://example.com/", "https://example.com", false],
    ["https://example.com/a", "https://example.com", false],
    ["https://example.com/a", "https://example.com/a", true],
    ["https://example.com/ab", "https://example.com/a", false],
    ["https://example.com/a%20b", "https://example.com/a%20b", true],
    // a trailing slash makes a prefix: the path and anything below it
    ["https://example.com/pub/", "https://example.com/pub/", true],
    ["https://example.com/pub/x/y", "https://example.com/pub/", true],
    ["https://example.com/pub/x/", "https://example.com/pub/", true],
    ["https://example.com/pub", "https://example.com/pub/", false],
    ["https://example.com/public/x", "https://example.com/pub/", false],
    ["https://example.com/pub/../admin", "https://example.com/pub/", false],
    ["https://example.com/pub//x", "https://example.com/pub/", false],
    ["https://example.com/pub/%2e%2e/admin", "https://example.com/pub/", false],
    ["spiffe://td/anything/at/all", "spiffe://td/", true],
    ["spiffe://td", "spiffe://td/", false],
    ["spiffe://td/ns/a/sa/b", "spiffe://td/ns/*/", true],
    // never: query, fragment, user info, IP-literal hosts
    ["https://example.com/pub/x?y=1", "https://example.com/pub/", false],
    ["https://example.com/pub/x#y", "https://example.com/pub/", false],
    ["https://user@example.com/pub/x", "https://example.com/pub/", false],
    ["https://[::1]/pub/x", "https://example.com/pub/", false],
    ["not a uri", "https://example.com/", false],
  ])("%s against %s: %s", (uri, pattern, expected) => {
    expect(matchesUriPattern(uri, pattern)).toBe(expected);
  });
});

describe("uriPatternProblem", () => {
  it.each([
    SA,
    "spiffe://td/",
    "https://*.example.com/v1",
    "https://example.com:8443/a/b/",
    "https://example.com",
    "urn+x://example.com/a%20b",
  ])("accepts %s", (pattern) => {
    expect(uriPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["urn:uuid:1234", "not a URI pattern"],
    ["https://example.com/a?b=c", "not a URI pattern"],
    ["https://example.com/a#b", "not a URI pattern"],
    ["https://user@example.com/", "not a URI pattern"],
    ["https://[::1]/", "not a URI pattern"],
    ["https:///a", "not a URI pattern"],
    ["example.com/a", "not a URI pattern"],
    ["https://example.com:0/", "port outside 1-65535"],
    ["https://example.com:70000/", "port outside 1-65535"],
    ["https://**.example.com/", "'**'"],
    ["https://example.com/a*/b", "'a*'"],
    ["https://example.com/a//b", "''"],
    ["https://example.com/a/../b", "'..'"],
    ["https://example.com/a b", "'a b'"],
    ["https://example.com/%zz", "'%zz'"],
  ])("refuses %j: %s", (pattern, problem) => {
    expect(uriPatternProblem(pattern)).toContain(problem);
  });
});
