import { describe, expect, it } from "vitest";
import { PolicyViolationError } from "../errors";
import { assertPolicy, evaluatePolicy, type PolicyRequest } from "./evaluate-policy";
import { type ProfilePolicy, profilePolicySchema } from "./profile-schema";
import { parseTtl } from "./ttl";

const policy: ProfilePolicy = profilePolicySchema.parse({
  commonName: ["*.example.com"],
  altNames: {
    dns_name: ["*.example.com", "example.com"],
    ip_address: ["10.0.0.0/8"],
    email: ["*@example.com"],
    uri: ["spiffe://cluster.local/ns/*/sa/*"],
  },
  keyAlgorithms: ["EC_prime256v1"],
  signatureAlgorithms: ["ECDSA-SHA256"],
  keyUsages: { allowed: ["digital_signature", "key_agreement"], required: ["digital_signature"] },
  extendedKeyUsages: { allowed: ["server_auth", "client_auth"], required: ["server_auth"] },
  maxTtl: "90d",
});

const allowed: PolicyRequest = {
  commonName: "api.example.com",
  altNames: [
    { type: "dns_name", value: "api.example.com" },
    { type: "dns_name", value: "example.com" },
    { type: "ip_address", value: "10.1.2.3" },
    { type: "email", value: "ops@example.com" },
    { type: "uri", value: "spiffe://cluster.local/ns/default/sa/web" },
  ],
  keyAlgorithm: "EC_prime256v1",
  signatureAlgorithm: "ECDSA-SHA256",
  keyUsages: ["digital_signature"],
  extendedKeyUsages: ["server_auth", "client_auth"],
  ttlMs: parseTtl("90d"),
};

describe("evaluatePolicy", () => {
  it("allows a request inside every rule", () => {
    expect(evaluatePolicy(policy, allowed)).toEqual([]);
    expect(() => assertPolicy(policy, allowed)).not.toThrow();
  });

  it.each<[string, Partial<PolicyRequest>, string]>([
    [
      "a commonName outside the patterns",
      { commonName: "example.com" },
      "commonName 'example.com' is not allowed by the profile's patterns [*.example.com]",
    ],
    [
      "a dns_name outside the patterns",
      { altNames: [{ type: "dns_name", value: "evil.com" }] },
      "altNames: dns_name 'evil.com' is not allowed by the profile's patterns [*.example.com, example.com]",
    ],
    [
      "a dns_name one label too deep",
      { altNames: [{ type: "dns_name", value: "a.b.example.com" }] },
      "altNames: dns_name 'a.b.example.com' is not allowed by the profile's patterns [*.example.com, example.com]",
    ],
    [
      "an ip_address outside the range",
      { altNames: [{ type: "ip_address", value: "192.168.0.1" }] },
      "altNames: ip_address '192.168.0.1' is not allowed by the profile's patterns [10.0.0.0/8]",
    ],
    [
      "an IPv4-mapped address against an IPv4 range",
      { altNames: [{ type: "ip_address", value: "::ffff:10.0.0.1" }] },
      "altNames: ip_address '::ffff:10.0.0.1' is not allowed by the profile's patterns [10.0.0.0/8]",
    ],
    [
      "an email at another domain",
      { altNames: [{ type: "email", value: "ops@example.org" }] },
      "altNames: email 'ops@example.org' is not allowed by the profile's patterns [*@example.com]",
    ],
    [
      "a uri one segment too long",
      { altNames: [{ type: "uri", value: "spiffe://cluster.local/ns/a/sa/b/c" }] },
      "altNames: uri 'spiffe://cluster.local/ns/a/sa/b/c' is not allowed by the profile's patterns [spiffe://cluster.local/ns/*/sa/*]",
    ],
    [
      "a key algorithm outside the list",
      { keyAlgorithm: "RSA_2048" },
      "keyAlgorithm 'RSA_2048' is not allowed; allowed: [EC_prime256v1]",
    ],
    [
      "a signature algorithm outside the list",
      { signatureAlgorithm: "ECDSA-SHA512" },
      "signatureAlgorithm 'ECDSA-SHA512' is not allowed; allowed: [ECDSA-SHA256]",
    ],
    [
      "a key usage outside allowed",
      { keyUsages: ["digital_signature", "key_cert_sign"] },
      "keyUsages: 'key_cert_sign' is not allowed; allowed: [digital_signature, key_agreement]",
    ],
    [
      "a required key usage missing",
      { keyUsages: ["key_agreement"] },
      "keyUsages: 'digital_signature' is required",
    ],
    [
      "an extended key usage outside allowed",
      { extendedKeyUsages: ["server_auth", "code_signing"] },
      "extendedKeyUsages: 'code_signing' is not allowed; allowed: [server_auth, client_auth]",
    ],
    [
      "a required extended key usage missing",
      { extendedKeyUsages: ["client_auth"] },
      "extendedKeyUsages: 'server_auth' is required",
    ],
    [
      "a lifetime over maxTtl",
      { ttlMs: parseTtl("400d") },
      "ttl '400d' exceeds the profile's maxTtl '90d'",
    ],
    [
      "a lifetime a millisecond over maxTtl",
      { ttlMs: parseTtl("90d") + 1 },
      "ttl '90d 1ms' exceeds the profile's maxTtl '90d'",
    ],
    [
      "a lifetime that is not a number",
      { ttlMs: Number.NaN },
      "ttl 'NaNms' exceeds the profile's maxTtl '90d'",
    ],
  ])("refuses %s, naming the value and the rule", (_, change, message) => {
    const violations = evaluatePolicy(policy, { ...allowed, ...change });
    expect(violations).toEqual([message]);
    expect(() => assertPolicy(policy, { ...allowed, ...change })).toThrow(PolicyViolationError);
  });

  it("lists every violation at once, each once", () => {
    const violations = evaluatePolicy(policy, {
      ...allowed,
      commonName: "evil.com",
      altNames: [
        { type: "dns_name", value: "evil.com" },
        { type: "dns_name", value: "evil.com" },
      ],
      keyAlgorithm: "RSA_4096",
      ttlMs: parseTtl("1y"),
    });
    expect(violations).toHaveLength(4);
    expect(violations.join("\n")).toMatch(/commonName 'evil.com'/);
    expect(violations.join("\n")).toMatch(/keyAlgorithm 'RSA_4096'/);
    expect(violations.join("\n")).toMatch(/ttl '1y' exceeds the profile's maxTtl '90d'/);
  });

  it("throws PolicyViolationError carrying the violations", () => {
    const request = { ...allowed, keyAlgorithm: "RSA_2048" as const, ttlMs: parseTtl("400d") };
    const error = (() => {
      try {
        assertPolicy(policy, request);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect((error as PolicyViolationError).violations).toEqual(evaluatePolicy(policy, request));
    expect((error as PolicyViolationError).message).toContain("; ");
  });
});

describe("evaluatePolicy denies names by default", () => {
  const minimal: PolicyRequest = {
    altNames: [],
    keyAlgorithm: "RSA_2048",
    signatureAlgorithm: "RSA-SHA256",
    keyUsages: ["digital_signature", "key_encipherment"],
    extendedKeyUsages: [],
    ttlMs: parseTtl("3650d"),
  };

  it.each<[string, ProfilePolicy, Partial<PolicyRequest>, string]>([
    [
      "a commonName without commonName patterns",
      {},
      { commonName: "api.example.com" },
      "commonName 'api.example.com' is not allowed: the profile allows no commonName",
    ],
    [
      "a commonName with an empty pattern list",
      { commonName: [] },
      { commonName: "api.example.com" },
      "commonName 'api.example.com' is not allowed: the profile allows no commonName",
    ],
    [
      "an altName without altNames patterns",
      {},
      { altNames: [{ type: "dns_name", value: "api.example.com" }] },
      "altNames: dns_name 'api.example.com' is not allowed: the profile allows no dns_name names",
    ],
    [
      "an altName whose type has no patterns",
      { altNames: { dns_name: ["*.example.com"] } },
      { altNames: [{ type: "email", value: "ops@example.com" }] },
      "altNames: email 'ops@example.com' is not allowed: the profile allows no email names",
    ],
    [
      "an altName whose type has an empty list",
      { altNames: { uri: [] } },
      { altNames: [{ type: "uri", value: "spiffe://td/x" }] },
      "altNames: uri 'spiffe://td/x' is not allowed: the profile allows no uri names",
    ],
  ])("refuses %s", (_, rules, change, message) => {
    expect(evaluatePolicy(rules, { ...minimal, ...change })).toEqual([message]);
  });

  it("allows any algorithm, usage and lifetime when the policy sets no rule for them", () => {
    expect(evaluatePolicy({}, minimal)).toEqual([]);
    expect(
      evaluatePolicy(
        {},
        { ...minimal, keyUsages: ["key_cert_sign"], extendedKeyUsages: ["code_signing"] },
      ),
    ).toEqual([]);
  });
});
