import { describe, expect, it } from "vitest";
import { profileDefaultsSchema, profilePolicySchema } from "./profile-schema";

function issues(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  expect(result.success).toBe(false);
  return result.error?.issues ?? [];
}

describe("profilePolicySchema", () => {
  it("accepts a full policy and defaults required usages to []", () => {
    const policy = profilePolicySchema.parse({
      commonName: ["*.example.com", "Jane Doe"],
      altNames: {
        dns_name: ["*.example.com"],
        ip_address: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"],
        email: ["*@example.com"],
        uri: ["spiffe://cluster.local/ns/*/sa/*"],
      },
      keyAlgorithms: ["EC_prime256v1"],
      signatureAlgorithms: ["ECDSA-SHA256"],
      keyUsages: { allowed: ["digital_signature"] },
      extendedKeyUsages: { allowed: ["server_auth", "client_auth"], required: ["server_auth"] },
      maxTtl: "90d",
    });
    expect(policy.keyUsages).toEqual({ allowed: ["digital_signature"], required: [] });
  });

  it("accepts an empty policy (which denies every name)", () => {
    expect(profilePolicySchema.parse({})).toEqual({});
  });

  it.each([
    [
      { altNames: { ip_address: ["10.0.0.0/8", "10.0.0.0/33"] } },
      ["altNames", "ip_address", 1],
      "prefix length",
    ],
    [{ altNames: { ip_address: ["10.0.0.1/8"] } }, ["altNames", "ip_address", 0], "bits beyond"],
    [{ altNames: { ip_address: ["not-an-ip"] } }, ["altNames", "ip_address", 0], "CIDR"],
    [{ altNames: { dns_name: ["**.example.com"] } }, ["altNames", "dns_name", 0], "'**'"],
    [{ altNames: { email: ["example.com"] } }, ["altNames", "email", 0], "email pattern"],
    [{ altNames: { uri: ["https://example.com/?q"] } }, ["altNames", "uri", 0], "URI pattern"],
    [{ altNames: { x400: ["a"] } }, ["altNames"], "x400"],
    [{ commonName: [""] }, ["commonName", 0], "empty"],
    [{ commonName: "*.example.com" }, ["commonName"], "array"],
    [
      {
        keyUsages: {
          allowed: ["digital_signature"],
          required: ["digital_signature", "key_encipherment"],
        },
      },
      ["keyUsages", "required", 1],
      "'key_encipherment' is required but not allowed",
    ],
    [
      { extendedKeyUsages: { allowed: [], required: ["server_auth"] } },
      ["extendedKeyUsages", "required", 0],
      "'server_auth' is required but not allowed",
    ],
    [{ keyUsages: { required: [] } }, ["keyUsages", "allowed"], ""],
    [{ keyUsages: { allowed: ["sign_everything"] } }, ["keyUsages", "allowed", 0], ""],
    [{ keyAlgorithms: ["RSA_1024"] }, ["keyAlgorithms", 0], ""],
    [{ keyAlgorithms: [] }, ["keyAlgorithms"], "leave the field out to allow any"],
    [{ signatureAlgorithms: [] }, ["signatureAlgorithms"], "leave the field out"],
    [{ maxTtl: "90 days" }, ["maxTtl"], "not a duration"],
    [{ maxTtl: "0d" }, ["maxTtl"], "not a duration"],
    [{ maxTtl: "90d", allowedDomains: ["example.com"] }, [], "allowedDomains"],
  ])("refuses %j at %j", (input, path, message) => {
    const found = issues(profilePolicySchema.safeParse(input));
    expect(found).toContainEqual(
      expect.objectContaining({ path, message: expect.stringContaining(message) }),
    );
  });
});

describe("profileDefaultsSchema", () => {
  it("accepts every field", () => {
    const defaults = {
      ttl: "30d",
      keyAlgorithm: "EC_secp384r1",
      signatureAlgorithm: "ECDSA-SHA384",
      keyUsages: ["digital_signature"],
      extendedKeyUsages: ["client_auth"],
    };
    expect(profileDefaultsSchema.parse(defaults)).toEqual(defaults);
  });

  it.each([
    [{ ttl: "forever" }, ["ttl"], "not a duration"],
    [{ ttl: "101y" }, ["ttl"], "exceeds 100y"],
    [{ keyAlgorithm: "DSA_1024" }, ["keyAlgorithm"], ""],
    [{ keyUsages: ["digital_signature", "typo"] }, ["keyUsages", 1], ""],
    [{ maxTtl: "90d" }, [], "maxTtl"],
  ])("refuses %j at %j", (input, path, message) => {
    const found = issues(profileDefaultsSchema.safeParse(input));
    expect(found).toContainEqual(
      expect.objectContaining({ path, message: expect.stringContaining(message) }),
    );
  });
});
