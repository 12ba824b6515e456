import { describe, expect, it } from "vitest";
import { ipPatternProblem, matchesIpPattern } from "./ip-range";

describe("matchesIpPattern", () => {
  it.each([
    // IPv4 ranges and single addresses
    ["10.1.2.3", "10.0.0.0/8", true],
    ["10.255.255.255", "10.0.0.0/8", true],
    ["11.0.0.0", "10.0.0.0/8", false],
    ["9.255.255.255", "10.0.0.0/8", false],
    ["192.168.1.7", "192.168.1.7", true],
    ["192.168.1.8", "192.168.1.7", false],
    ["192.168.1.7", "192.168.1.7/32", true],
    ["203.0.113.9", "0.0.0.0/0", true],
    ["172.16.0.1", "172.16.0.0/12", true],
    ["172.32.0.1", "172.16.0.0/12", false],
    // IPv6, any spelling
    ["2001:db8::1", "2001:db8::/32", true],
    ["2001:DB8:FFFF:ffff::1", "2001:db8::/32", true],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["::1", "::1", true],
    ["::1", "::/0", true],
    ["fe80::1", "fe80::/10", true],
    ["febf::1", "fe80::/10", true],
    ["fec0::1", "fe80::/10", false],
    // families never mix
    ["10.0.0.1", "::/0", false],
    ["10.0.0.1", "::ffff:0:0/96", false],
    ["10.0.0.1", "::ffff:10.0.0.1", false],
    ["::ffff:10.0.0.1", "10.0.0.0/8", false],
    ["::ffff:10.0.0.1", "0.0.0.0/0", false],
    ["::ffff:10.0.0.1", "::ffff:10.0.0.0/104", true],
    ["::ffff:a00:1", "::ffff:10.0.0.0/104", true],
    ["::ffff:11.0.0.1", "::ffff:10.0.0.0/104", false],
    ["::10.0.0.1", "10.0.0.0/8", false],
    // not addresses
    ["fe80::1%eth0", "fe80::/10", false],
    ["010.0.0.1", "10.0.0.0/8", false],
    ["10.0.0.1/32", "10.0.0.0/8", false],
    ["example.com", "0.0.0.0/0", false],
    ["", "0.0.0.0/0", false],
  ])("%s in %s: %s", (address, pattern, expected) => {
    expect(matchesIpPattern(address, pattern)).toBe(expected);
  });
});

describe("ipPatternProblem", () => {
  it.each([
    "10.0.0.0/8",
    "10.0.0.1",
    "0.0.0.0/0",
    "2001:db8::/32",
    "::1",
    "::/0",
    "::ffff:10.0.0.0/104",
  ])("accepts %s", (pattern) => {
    expect(ipPatternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["10.0.0.0/33", "prefix length outside 0-32"],
    ["2001:db8::/129", "prefix length outside 0-128"],
    ["10.0.0.0/", "prefix length"],
    ["10.0.0.0/08", "prefix length"],
    ["10.0.0.0/-1", "prefix length"],
    ["10.0.0.1/8", "bits beyond its /8 prefix"],
    ["2001:db8::1/32", "bits beyond its /32 prefix"],
    ["10.0.0/8", "neither an IP address nor a CIDR range"],
    ["256.0.0.0/8", "neither"],
    ["10.0.0.0/8/8", "neither"],
    ["fe80::%eth0/10", "neither"],
    ["example.com", "neither"],
    ["*", "neither"],
    ["", "neither"],
  ])("refuses %j: %s", (pattern, problem) => {
    expect(ipPatternProblem(pattern)).toContain(problem);
    expect(ipPatternProblem(pattern)).toContain(`'${pattern}'`);
  });
});
