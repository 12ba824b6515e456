import type { AltNameType } from "@certq/pki";
import { describe, expect, it } from "vitest";
import {
  altNamePatternProblem,
  commonNamePatternProblem,
  matchesAltNamePattern,
  matchesCommonNamePattern,
} from "./name-patterns";

describe("matchesCommonNamePattern", () => {
  it.each([
    // host-name CNs follow the DNS rules
    ["api.example.com", "*.example.com", true],
    ["API.Example.com", "*.example.com", true],
    ["example.com", "*.example.com", false],
    ["a.b.example.com", "*.example.com", false],
    ["*.example.com", "*.example.com", true],
    ["*.example.com", "api.example.com", false],
    // other CNs match literally, case included
    ["Jane Doe", "Jane Doe", true],
    ["jane doe", "Jane Doe", false],
    ["Jane Doe ", "Jane Doe", false],
    ["build 42", "build *", false],
    ["build *", "build *", true],
    ["ACME Root", "*", false],
    ["payments", "*", true],
  ])("%j against %j: %s", (commonName, pattern, expected) => {
    expect(matchesCommonNamePattern(commonName, pattern)).toBe(expected);
  });
});

describe("commonNamePatternProblem", () => {
  it.each(["Jane Doe", "*.example.com", "a".repeat(64)])("accepts %j", (pattern) => {
    expect(commonNamePatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["", "empty"],
    ["a".repeat(65), "at most 64"],
    ["bad\nname", "control characters"],
  ])("refuses %j: %s", (pattern, problem) => {
    expect(commonNamePatternProblem(pattern)).toContain(problem);
  });
});

describe.each<[AltNameType, string, string, string, string]>([
  ["dns_name", "a.example.com", "*.example.com", "example.com", "a*.example.com"],
  ["ip_address", "10.1.2.3", "10.0.0.0/8", "11.0.0.1", "10.0.0.0/40"],
  ["email", "alice@example.com", "*@example.com", "alice@example.org", "example.com"],
  ["uri", "spiffe://td/ns/a/sa/b", "spiffe://td/ns/*/sa/*", "spiffe://td/ns/a", "urn:x"],
])("%s patterns", (type, value, pattern, other, malformed) => {
  it("match their own kind of value", () => {
    expect(matchesAltNamePattern(type, value, pattern)).toBe(true);
    expect(matchesAltNamePattern(type, other, pattern)).toBe(false);
  });

  it("validate with their own rules", () => {
    expect(altNamePatternProblem(type, pattern)).toBeUndefined();
    expect(altNamePatternProblem(type, malformed)).toEqual(expect.any(String));
  });
});
