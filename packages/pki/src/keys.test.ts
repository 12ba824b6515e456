import { afterAll, describe, expect, it } from "vitest";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "./algorithms";
import { PkiError } from "./errors";
import {
  generateKeyPair,
  keyAlgorithmOfPrivateKey,
  keyAlgorithmOfSpki,
  privateKeyMatchesPublicKey,
  privateKeyPem,
} from "./keys";
import { createScratch, opensslDer, opensslOk } from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

const OPENSSL_DESCRIPTION: Record<KeyAlgorithm, RegExp> = {
  RSA_2048: /Private-Key: \(2048 bit, 2 primes\)/,
  RSA_3072: /Private-Key: \(3072 bit, 2 primes\)/,
  RSA_4096: /Private-Key: \(4096 bit, 2 primes\)/,
  EC_prime256v1: /NIST CURVE: P-256/,
  EC_secp384r1: /NIST CURVE: P-384/,
  EC_secp521r1: /NIST CURVE: P-521/,
};

describe("generateKeyPair", () => {
  it.each(KEY_ALGORITHMS)(
    "%s: openssl reads the PEM and derives the same public key",
    async (algorithm) => {
      const keys = await generateKeyPair(algorithm);
      expect(keys.algorithm).toBe(algorithm);
      const pem = privateKeyPem(keys.privateKeyPkcs8);
      expect(pem).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END PRIVATE KEY-----\n$/,
      );
      const file = scratch.write(`${algorithm}.key`, pem);
      const description = opensslOk(["pkey", "-in", file, "-noout", "-text"]);
      expect(description).toMatch(OPENSSL_DESCRIPTION[algorithm]);
      if (algorithm.startsWith("RSA_"))
        expect(description).toContain("publicExponent: 65537 (0x10001)");
      const publicDer = opensslDer(["pkey", "-in", file, "-pubout", "-outform", "DER"]);
      expect(publicDer.equals(keys.publicKeySpki)).toBe(true);
      expect(keyAlgorithmOfSpki(keys.publicKeySpki)).toBe(algorithm);
      expect(keyAlgorithmOfPrivateKey(keys.privateKeyPkcs8)).toBe(algorithm);
    },
  );

  it("RSA-4096 generation leaves the event loop free", async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const started = performance.now();
    try {
      await generateKeyPair("RSA_4096");
    } finally {
      clearInterval(timer);
    }
    const resolved = performance.now();
    const times = [started, ...ticks, resolved];
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...gaps)).toBeLessThan(200);
  });
});

describe("keyAlgorithmOfSpki", () => {
  it.each([
    ["RSA-1024", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]],
    ["Ed25519", ["genpkey", "-algorithm", "ed25519"]],
    ["secp256k1", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]],
    ["RSA-PSS", ["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]],
  ])("rejects %s", (_, args) => {
    const file = scratch.write("other.key", opensslOk(args));
    const spki = opensslDer(["pkey", "-in", file, "-pubout", "-outform", "DER"]);
    expect(() => keyAlgorithmOfSpki(spki)).toThrow(PkiError);
    expect(() => keyAlgorithmOfSpki(spki)).toThrow(/unsupported public key/);
  });

  it("rejects bytes that are not a public key", () => {
    expect(() => keyAlgorithmOfSpki(Buffer.from("not a key"))).toThrow(PkiError);
  });
});

describe("privateKeyMatchesPublicKey", () => {
  it("matches only the other half", async () => {
    const a = await generateKeyPair("EC_prime256v1");
    const b = await generateKeyPair("EC_prime256v1");
    const rsa = await generateKeyPair("RSA_2048");
    expect(privateKeyMatchesPublicKey(a.privateKeyPkcs8, a.publicKeySpki)).toBe(true);
    expect(privateKeyMatchesPublicKey(a.privateKeyPkcs8, b.publicKeySpki)).toBe(false);
    expect(privateKeyMatchesPublicKey(rsa.privateKeyPkcs8, a.publicKeySpki)).toBe(false);
    expect(privateKeyMatchesPublicKey(Buffer.from("junk"), a.publicKeySpki)).toBe(false);
  });
});

describe("privateKeyPem", () => {
  it("refuses bytes that are not a PKCS#8 key", () => {
    expect(() => privateKeyPem(Buffer.from("junk"))).toThrow(PkiError);
  });
});
