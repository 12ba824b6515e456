import type { KeyAlgorithm } from "@certq/pki";
import { describe, expect, it } from "vitest";
import { applyDefaults, type DefaultableFields, type ResolvedFields } from "./apply-defaults";

const profile: DefaultableFields = {
  ttl: "30d",
  keyAlgorithm: "EC_secp384r1",
  signatureAlgorithm: "ECDSA-SHA384",
  keyUsages: ["digital_signature", "key_agreement"],
  extendedKeyUsages: ["client_auth"],
};

describe("applyDefaults", () => {
  it.each<[string, DefaultableFields, DefaultableFields, KeyAlgorithm, ResolvedFields]>([
    [
      "certq's fallbacks when neither gives a value (RSA)",
      {},
      {},
      "RSA_2048",
      {
        ttl: undefined,
        keyAlgorithm: "RSA_2048",
        signatureAlgorithm: "RSA-SHA256",
        keyUsages: ["digital_signature", "key_encipherment"],
        extendedKeyUsages: [],
      },
    ],
    [
      "certq's fallbacks for an EC key",
      {},
      { keyAlgorithm: "EC_secp521r1" },
      "EC_secp521r1",
      {
        ttl: undefined,
        keyAlgorithm: "EC_secp521r1",
        signatureAlgorithm: "ECDSA-SHA512",
        keyUsages: ["digital_signature"],
        extendedKeyUsages: [],
      },
    ],
    [
      "the profile's defaults for undefined fields",
      profile,
      {},
      "EC_secp384r1",
      { ...profile } as ResolvedFields,
    ],
    [
      "the request's values over the profile's",
      profile,
      {
        ttl: "1d",
        keyAlgorithm: "EC_prime256v1",
        signatureAlgorithm: "ECDSA-SHA256",
        keyUsages: ["digital_signature"],
        extendedKeyUsages: ["server_auth"],
      },
      "EC_secp384r1",
      {
        ttl: "1d",
        keyAlgorithm: "EC_prime256v1",
        signatureAlgorithm: "ECDSA-SHA256",
        keyUsages: ["digital_signature"],
        extendedKeyUsages: ["server_auth"],
      },
    ],
    [
      "an explicit empty list over the profile's",
      profile,
      { keyUsages: [], extendedKeyUsages: [] },
      "EC_secp384r1",
      { ...profile, keyUsages: [], extendedKeyUsages: [] } as ResolvedFields,
    ],
    [
      "the profile's signature when it suits the signing CA's key",
      profile,
      { keyAlgorithm: "RSA_2048" },
      "EC_prime256v1",
      { ...profile, keyAlgorithm: "RSA_2048" } as ResolvedFields,
    ],
    [
      "the signing key's customary signature when the profile's is of the other family",
      profile,
      { keyAlgorithm: "EC_prime256v1" },
      "RSA_3072",
      {
        ...profile,
        keyAlgorithm: "EC_prime256v1",
        signatureAlgorithm: "RSA-SHA256",
      } as ResolvedFields,
    ],
    [
      "an RSA key's usages when the profile has none and the key is RSA",
      { keyAlgorithm: "RSA_4096" },
      {},
      "EC_secp384r1",
      {
        ttl: undefined,
        keyAlgorithm: "RSA_4096",
        signatureAlgorithm: "ECDSA-SHA384",
        keyUsages: ["digital_signature", "key_encipherment"],
        extendedKeyUsages: [],
      },
    ],
    [
      "the request's signature even when it does not suit (validation refuses it elsewhere)",
      {},
      { keyAlgorithm: "EC_prime256v1", signatureAlgorithm: "RSA-SHA256" },
      "EC_prime256v1",
      {
        ttl: undefined,
        keyAlgorithm: "EC_prime256v1",
        signatureAlgorithm: "RSA-SHA256",
        keyUsages: ["digital_signature"],
        extendedKeyUsages: [],
      },
    ],
  ])("takes %s", (_, defaults, request, signingKey, expected) => {
    expect(applyDefaults(defaults, request, signingKey)).toEqual(expected);
  });
});
