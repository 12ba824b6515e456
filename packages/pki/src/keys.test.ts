import { createECDH, createPrivateKey, createPublicKey, ECDH } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "./algorithms";
import { canonicalEcSpkiAlgorithm, encodeEcKeyPair } from "./ec-key-encoding";
import { PkiError } from "./errors";
import {
  generateKeyPair,
  keyAlgorithmOfPrivateKey,
  keyAlgorithmOfSpki,
  privateKeyMatchesPublicKey,
  privateKeyPem,
} from "./keys";
import { createScratch, opensslDer, opensslOk, opensslPkcs8 } from "./testing/openssl";
import { thrown } from "./testing/thrown";

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

describe("EC keys encoded without OpenSSL's exporters", () => {
  function nodeExports(pkcs8: Buffer) {
    const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    return {
      pkcs8: privateKey.export({ type: "pkcs8", format: "der" }),
      spki: createPublicKey(privateKey).export({ type: "spki", format: "der" }),
    };
  }

  it("P-256 key pairs are byte for byte what node exports, over many keys", async () => {
    for (let i = 0; i < 300; i++) {
      const keys = await generateKeyPair("EC_prime256v1");
      const exported = nodeExports(keys.privateKeyPkcs8);
      expect(exported.pkcs8.equals(keys.privateKeyPkcs8)).toBe(true);
      expect(exported.spki.equals(keys.publicKeySpki)).toBe(true);
      const spki = createPublicKey({ key: keys.publicKeySpki, format: "der", type: "spki" });
      expect(spki.export({ type: "spki", format: "der" }).equals(keys.publicKeySpki)).toBe(true);
    }
  });

  it("pads a private scalar with leading zero bytes to the curve size", () => {
    // About one key in 256 has a scalar shorter than 32 bytes; find one.
    let ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    while (ecdh.getPrivateKey().length === 32) {
      ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
    }
    const point = ecdh.getPublicKey();
    const encoded = encodeEcKeyPair("EC_prime256v1", ecdh.getPrivateKey(), point);
    expect(nodeExports(encoded.privateKeyPkcs8).pkcs8.equals(encoded.privateKeyPkcs8)).toBe(true);
    expect(nodeExports(encoded.privateKeyPkcs8).spki.equals(encoded.publicKeySpki)).toBe(true);
    const file = scratch.write("short-scalar.key", privateKeyPem(encoded.privateKeyPkcs8));
    expect(opensslDer(["pkey", "-in", file, "-pubout", "-outform", "DER"])).toEqual(
      encoded.publicKeySpki,
    );
  });

  it.each(["EC_secp384r1", "EC_secp521r1"] as const)(
    "%s: the same encoder writes what node exports",
    async (algorithm) => {
      const keys = await generateKeyPair(algorithm);
      const jwk = createPrivateKey({
        key: keys.privateKeyPkcs8,
        format: "der",
        type: "pkcs8",
      }).export({ format: "jwk" });
      const b64 = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
      const point = Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)]);
      const encoded = encodeEcKeyPair(algorithm, b64(jwk.d), point);
      expect(encoded.privateKeyPkcs8.equals(keys.privateKeyPkcs8)).toBe(true);
      expect(encoded.publicKeySpki.equals(keys.publicKeySpki)).toBe(true);
    },
  );
});

describe("keyAlgorithmOfSpki without a full parse", () => {
  const p256 = generateKeyPair("EC_prime256v1");

  it.each(KEY_ALGORITHMS.filter((algorithm) => algorithm.startsWith("EC_")))(
    "recognises %s from its canonical DER",
    async (algorithm) => {
      const keys = await generateKeyPair(algorithm);
      expect(canonicalEcSpkiAlgorithm(keys.publicKeySpki)).toBe(algorithm);
      expect(keyAlgorithmOfSpki(keys.publicKeySpki)).toBe(algorithm);
    },
  );

  it("refuses a point off the curve, as the full parse does", async () => {
    const { publicKeySpki } = await p256;
    const offCurve = Buffer.from(publicKeySpki);
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] as number) ^ 1;
    expect(canonicalEcSpkiAlgorithm(offCurve)).toBeNull();
    expect(thrown(() => keyAlgorithmOfSpki(offCurve, "publicKeySpki"))).toMatchObject({
      name: "PkiError",
      message: "public key is not a valid DER SubjectPublicKeyInfo",
      field: "publicKeySpki",
    });
  });

  it("refuses a coordinate outside the field", async () => {
    const { publicKeySpki } = await p256;
    const tooLarge = Buffer.from(publicKeySpki);
    tooLarge.fill(0xff, tooLarge.length - 64, tooLarge.length - 32); // x = 2^256 - 1 > p
    expect(canonicalEcSpkiAlgorithm(tooLarge)).toBeNull();
    expect(() => keyAlgorithmOfSpki(tooLarge)).toThrow(PkiError);
  });

  it("still accepts a compressed point through the full parse, as before", async () => {
    const { publicKeySpki } = await p256;
    const key = createPublicKey({ key: publicKeySpki, format: "der", type: "spki" });
    const jwk = key.export({ format: "jwk" });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, "base64url"),
      Buffer.from(jwk.y as string, "base64url"),
    ]);
    const short = ECDH.convertKey(point, "prime256v1", undefined, undefined, "compressed");
    const spki = Buffer.concat([
      Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex"),
      short as Buffer,
    ]);
    expect(canonicalEcSpkiAlgorithm(spki)).toBeNull();
    expect(keyAlgorithmOfSpki(spki)).toBe("EC_prime256v1");
  });

  it("refuses bytes after the SubjectPublicKeyInfo, which OpenSSL alone would ignore", async () => {
    const rsa = await generateKeyPair("RSA_2048");
    for (const { publicKeySpki } of [rsa, await p256]) {
      const trailing = Buffer.concat([publicKeySpki, Buffer.from([0, 0])]);
      expect(() => keyAlgorithmOfSpki(trailing)).toThrow(/not a valid DER SubjectPublicKeyInfo/);
    }
  });
});

describe("privateKeyPem's structural check", () => {
  it("accepts RSA and EC PKCS#8 keys, including openssl's", async () => {
    for (const algorithm of ["RSA_2048", "EC_secp384r1"] as const) {
      const keys = await generateKeyPair(algorithm);
      expect(privateKeyPem(keys.privateKeyPkcs8)).toContain("BEGIN PRIVATE KEY");
    }
    const file = scratch.write("ed.key", opensslOk(["genpkey", "-algorithm", "ed25519"]));
    const der = opensslPkcs8(file);
    expect(privateKeyPem(der)).toContain("BEGIN PRIVATE KEY");
  });

  it("refuses what is not PKCS#8", async () => {
    const { privateKeyPkcs8, publicKeySpki } = await generateKeyPair("EC_prime256v1");
    const wrongVersion = Buffer.from(privateKeyPkcs8);
    wrongVersion[wrongVersion.indexOf(Buffer.from("020100", "hex")) + 2] = 2;
    for (const bad of [
      Buffer.alloc(0),
      publicKeySpki,
      privateKeyPkcs8.subarray(0, privateKeyPkcs8.length - 1),
      Buffer.concat([privateKeyPkcs8, Buffer.from([0])]),
      wrongVersion,
      Buffer.from("3003020100", "hex"),
    ]) {
      expect(
        thrown(() => privateKeyPem(bad)),
        bad.toString("hex"),
      ).toMatchObject({
        name: "PkiError",
        message: "private key is not a valid DER PKCS#8 key",
        field: "privateKey",
      });
    }
  });
});
