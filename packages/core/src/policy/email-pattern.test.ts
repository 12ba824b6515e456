import { describe, expect, it } from "vitest";
import { emailPatternProblem, matchesEmailPattern } from "./email-pattern";

describe("matchesEmailPattern", () => {
  it.each([
    ["alice@example.com", "*@example.com", true],
    ["alice@EXAMPLE.com", "*@example.COM", true],
    ["alice@sub.example.com", "*@example.com", false],
    ["alice@example.org", "*@example.com", false],
    ["alice@example.com", "alice@example.com", true],
    ["alice@Example.Com", "alice@example.com", true],
    // the local part is case-sensitive (RFC 5321)
    ["Alice@example.com", "alice@example.com", false],
    ["bob@example.com", "alice@example.com", false],
    ["alice+tag@example.com", "alice@example.com", false],
    // a domain pattern label `*` is one label
    ["alice@eu.example.com", "*@*.example.com", true],
    ["alice@example.com", "*@*.example.com", false],
    ["alice@a.eu.example.com", "*@*.example.com", false],
    ["alice@eu.example.com", "alice@*.example.com", true],
    ["bob@eu.example.com", "alice@*.example.com", false],
    // email addresses carry no wildcards
    ["alice@*.example.com", "*@*.example.com", false],
    ["alice@example.com@evil.com", "*@example.com", false],
    ["@example.com", "*@example.com", false],
    ["alice example@example.com", "*@example.com", false],
    ["example.com", "*@example.com", false],
  ])("%s against %s: %s", (email, pattern, expected) => {
    expect(matchesEmailPattern(email, pattern)).toBe(expected);
  });
});

describe("emailPatternProblem", () => {
  it.each(["*@example.com", "alice@example.com", "*@*.example.com", "a.b+c@example.com"])(
    "accepts %s",
    (pattern) => {
      expect(emailPatternProblem(pattern)).toBeUndefined();
    },
  );

  it.each([
    ["example.com", "not an email pattern"],
    ["@example.com", "not an email pattern"],
    ["al*ce@example.com", "not an email pattern"],
    ["a b@example.com", "not an email pattern"],
    ["*@", "empty"],
    ["*@**.example.com", "'**'"],
    ["*@exa_mple.com", "'exa_mple'"],
  ])("refuses %j: %s", (pattern, problem) => {
    expect(emailPatternProblem(pattern)).toContain(problem);
  });
});
