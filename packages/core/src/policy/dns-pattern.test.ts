import { describe, expect, it } from "vitest";
import { dnsPatternProblem, matchesDnsPattern } from "./dns-pattern";

describe("matchesDnsPattern", () => {
  it.each([
    // exact labels, any case
    ["example.com", "example.com", true],
    ["EXAMPLE.com", "example.COM", true],
    ["www.example.com", "example.com", false],
    ["example.com.evil.net", "example.com", false],
    ["evil-example.com", "example.com", false],
    // `*` is exactly one label
    ["a.example.com", "*.example.com", true],
    ["A-1.Example.Com", "*.example.com", true],
    ["example.com", "*.example.com", false],
    ["a.b.example.com", "*.example.com", false],
    [".example.com", "*.example.com", false],
    ["a.example.com", "*.*.example.com", false],
    ["a.b.example.com", "*.*.example.com", true],
    ["api.eu.example.com", "api.*.example.com", true],
    ["api.example.com", "api.*.example.com", false],
    ["localhost", "*", true],
    ["a.b", "*", false],
    // a requested wildcard needs `*` at that place in the pattern
    ["*.example.com", "*.example.com", true],
    ["*.example.com", "a.example.com", false],
    ["*.example.com", "*.*.com", true],
    ["*.a.example.com", "*.example.com", false],
    ["a*.example.com", "*.example.com", false],
    ["*a.example.com", "*.example.com", false],
    // `**` is an ordinary (malformed) label, never a multi-label wildcard
    ["a.b.example.com", "**.example.com", false],
    ["a.example.com", "**.example.com", false],
    // labels `*` stands for must be DNS labels
    ["-a.example.com", "*.example.com", false],
    ["a_b.example.com", "*.example.com", false],
    ["a b.example.com", "*.example.com", false],
    ["bücher.example.com", "*.example.com", false],
  ])("%s against %s: %s", (name, pattern, expected) => {
    expect(matchesDnsPattern(name, pattern)).toBe(expected);
  });
});

describe("dnsPatternProblem", () => {
  it.each([
    "example.com",
    "*.example.com",
    "api.*.example.com",
    "*",
    "xn--bcher-kva.example",
    "a1-b2.c",
  ])("accepts %s", (pattern) => {
    expect(dnsPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["", "empty"],
    ["**.example.com", "'**'"],
    ["a*.example.com", "'a*'"],
    ["*a.example.com", "'*a'"],
    ["example..com", "''"],
    [".example.com", "''"],
    ["example.com.", "''"],
    ["-a.example.com", "'-a'"],
    ["a_b.example.com", "'a_b'"],
    ["exa mple.com", "'exa mple'"],
    ["bücher.example", "'bücher'"],
    [`${"a".repeat(64)}.com`, `'${"a".repeat(64)}'`],
    [`${"a.".repeat(127)}com`, "253"],
  ])("refuses %j, naming %s", (pattern, named) => {
    expect(dnsPatternProblem(pattern)).toContain(named);
  });
});
