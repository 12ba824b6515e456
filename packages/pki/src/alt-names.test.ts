import { describe, expect, it } from "vitest";
import { decodeAltNames, encodeAltNames, validateAltName } from "./alt-names";
import { ipFromBytes, ipToBytes } from "./ip-address";
import { opensslOk } from "./testing/openssl";
import type { AltName } from "./usages";

describe("validateAltName", () => {
  it.each<AltName>([
    { type: "dns_name", value: "example.com" },
    { type: "dns_name", value: "localhost" },
    { type: "dns_name", value: "*.example.com" },
    { type: "dns_name", value: "a-b.c0.example" },
    { type: "dns_name", value: `${"a".repeat(63)}.com` },
    { type: "ip_address", value: "192.0.2.1" },
    { type: "ip_address", value: "2001:db8::1" },
    { type: "ip_address", value: "::ffff:192.0.2.1" },
    { type: "email", value: "first.last+tag@example.com" },
    { type: "uri", value: "https://example.com/path?q=1" },
    { type: "uri", value: "spiffe://trust.domain/workload" },
    { type: "uri", value: "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66" },
  ])("accepts %j", (altName) => {
    expect(validateAltName(altName)).toBeNull();
  });

  it.each<AltName>([
    { type: "dns_name", value: "" },
    { type: "dns_name", value: "exa mple.com" },
    { type: "dns_name", value: "-lead.example.com" },
    { type: "dns_name", value: "trail-.example.com" },
    { type: "dns_name", value: "double..dot" },
    { type: "dns_name", value: "example.com." },
    { type: "dns_name", value: "foo.*.example.com" },
    { type: "dns_name", value: "*" },
    { type: "dns_name", value: "under_score.example.com" },
    { type: "dns_name", value: "bücher.example" },
    { type: "dns_name", value: `${"a".repeat(64)}.com` },
    { type: "dns_name", value: "192.0.2.1" },
    { type: "ip_address", value: "256.0.0.1" },
    { type: "ip_address", value: "example.com" },
    { type: "ip_address", value: "fe80::1%eth0" },
    { type: "email", value: "no-at-sign" },
    { type: "email", value: "@example.com" },
    { type: "email", value: "a b@example.com" },
    { type: "email", value: "a@bad_domain" },
    { type: "uri", value: "relative/path" },
    { type: "uri", value: "https://exa mple.com" },
    { type: "uri", value: "https://example.com/\n" },
  ])("rejects %j with a message naming the value", (altName) => {
    const message = validateAltName(altName);
    expect(message).toBeTypeOf("string");
    expect(message).toContain(JSON.stringify(altName.value));
  });

  it("rejects unknown types", () => {
    expect(validateAltName({ type: "x400" as "uri", value: "x" })).toMatch(/unsupported/);
  });
});

describe("IP addresses", () => {
  it.each([
    ["192.0.2.1", "c0000201", "192.0.2.1"],
    ["::1", "00000000000000000000000000000001", "::1"],
    ["2001:DB8:0:0:1:0:0:1", "20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["::ffff:192.0.2.1", "00000000000000000000ffffc0000201", "::ffff:192.0.2.1"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008", "1:2:3:4:5:6:7:8"],
    ["fe80::", "fe800000000000000000000000000000", "fe80::"],
  ])("%s encodes as %s and reads back as %s", (text, hex, canonical) => {
    const bytes = ipToBytes(text);
    expect(bytes?.toString("hex")).toBe(hex);
    expect(ipFromBytes(bytes as Buffer)).toBe(canonical);
  });
});

describe("GeneralNames encoding", () => {
  it("encodes what openssl decodes, and decodes it back", () => {
    const altNames: AltName[] = [
      { type: "dns_name", value: "example.com" },
      { type: "ip_address", value: "2001:db8::7" },
      { type: "email", value: "a@example.com" },
      { type: "uri", value: "https://example.com/" },
    ];
    const der = encodeAltNames(altNames);
    const parsed = opensslOk(["asn1parse", "-inform", "DER"], der);
    expect(parsed).toContain("cont [ 2 ]");
    expect(parsed).toContain("cont [ 7 ]");
    expect(decodeAltNames(der)).toEqual({ altNames, unsupported: [] });
  });
});
