import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PkiError } from "./errors";
import { openPrivateKey, sealPrivateKey } from "./key-envelope";
import { generateKeyPair, privateKeyPem } from "./keys";

describe("private key envelope", () => {
  const kek = randomBytes(32);
  const aad = "ca:0f8f6b7e-4b1d-4c36-9d7e-2b3f7c4e9a10";

  it("round-trips and never stores the key in any readable form", async () => {
    const keys = await generateKeyPair("EC_prime256v1");
    const sealed = sealPrivateKey({ kek, plaintext: keys.privateKeyPkcs8, aad });
    expect(sealed[0]).toBe(0x01);
    expect(sealed.length).toBe(1 + 12 + 32 + 16 + 12 + keys.privateKeyPkcs8.length + 16);
    expect(openPrivateKey({ kek, sealed, aad }).equals(keys.privateKeyPkcs8)).toBe(true);

    const pem = privateKeyPem(keys.privateKeyPkcs8);
    const body = pem.trim().split("\n").slice(1, -1).join("");
    expect(sealed.includes(keys.privateKeyPkcs8)).toBe(false);
    expect(sealed.includes(Buffer.from(pem))).toBe(false);
    expect(sealed.toString("latin1")).not.toContain("PRIVATE KEY");
    expect(sealed.toString("latin1")).not.toContain(body.slice(0, 32));
    // Even a 16-byte window of the DER (e.g. the private scalar) does not appear.
    for (let i = 0; i + 16 <= keys.privateKeyPkcs8.length; i += 8) {
      expect(sealed.includes(keys.privateKeyPkcs8.subarray(i, i + 16))).toBe(false);
    }
  });

  it("seals the same key differently each time", () => {
    const plaintext = randomBytes(100);
    const a = sealPrivateKey({ kek, plaintext, aad });
    const b = sealPrivateKey({ kek, plaintext, aad });
    expect(a.equals(b)).toBe(false);
  });

  it("refuses the wrong aad, the wrong kek and any altered byte", () => {
    const plaintext = randomBytes(121);
    const sealed = sealPrivateKey({ kek, plaintext, aad });
    expect(() => openPrivateKey({ kek, sealed, aad: "ca:another" })).toThrow(PkiError);
    expect(() => openPrivateKey({ kek: randomBytes(32), sealed, aad })).toThrow(PkiError);
    for (let i = 1; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(() => openPrivateKey({ kek, sealed: tampered, aad }), `byte ${i}`).toThrow(PkiError);
    }
    const badVersion = Buffer.from(sealed);
    badVersion[0] = 0x02;
    expect(() => openPrivateKey({ kek, sealed: badVersion, aad })).toThrow(/version/);
    expect(() => openPrivateKey({ kek, sealed: sealed.subarray(0, 80), aad })).toThrow(PkiError);
  });

  it("requires a 32-byte kek", () => {
    expect(() =>
      sealPrivateKey({ kek: randomBytes(16), plaintext: Buffer.from("x"), aad }),
    ).toThrow(PkiError);
  });
});
