import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PkiError } from "./errors";
import {
  openPrivateKey,
  rewrapPrivateKey,
  sealedKekId,
  sealPrivateKey,
  UnknownKekError,
} from "./key-envelope";
import { createKeyRing, kekId } from "./key-ring";
import { generateKeyPair, privateKeyPem } from "./keys";

/** A version 0x01 envelope, written from the layout (what certq stored before key rings). */
function sealV1(kek: Buffer, plaintext: Buffer, aad: string): Buffer {
  const gcm = (key: Buffer, data: Buffer) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  };
  const dek = randomBytes(32);
  return Buffer.concat([Buffer.from([0x01]), gcm(kek, dek), gcm(dek, plaintext)]);
}

describe("private key envelope", () => {
  const key = randomBytes(32);
  const kek = createKeyRing(key);
  const aad = "ca:0f8f6b7e-4b1d-4c36-9d7e-2b3f7c4e9a10";

  it("round-trips and never stores the key in any readable form", async () => {
    const keys = await generateKeyPair("EC_prime256v1");
    const sealed = sealPrivateKey({ kek, plaintext: keys.privateKeyPkcs8, aad });
    expect(sealed[0]).toBe(0x02);
    expect(sealed.subarray(1, 9).toString("hex")).toBe(kekId(key));
    expect(sealedKekId(sealed)).toBe(kek.current.id);
    expect(sealed.length).toBe(1 + 8 + 12 + 32 + 16 + 12 + keys.privateKeyPkcs8.length + 16);
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
    expect(() => openPrivateKey({ kek: createKeyRing(randomBytes(32)), sealed, aad })).toThrow(
      UnknownKekError,
    );
    for (let i = 1; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(() => openPrivateKey({ kek, sealed: tampered, aad }), `byte ${i}`).toThrow(PkiError);
    }
    const badVersion = Buffer.from(sealed);
    badVersion[0] = 0x03;
    expect(() => openPrivateKey({ kek, sealed: badVersion, aad })).toThrow(/version 3/);
    expect(() => openPrivateKey({ kek, sealed: sealed.subarray(0, 80), aad })).toThrow(PkiError);
  });

  it("requires a 32-byte kek", () => {
    expect(() => createKeyRing(randomBytes(16))).toThrow(PkiError);
    expect(() =>
      sealPrivateKey({
        kek: { current: { id: "00", key: randomBytes(16) }, byId: new Map() },
        plaintext: Buffer.from("x"),
        aad,
      }),
    ).toThrow(PkiError);
  });
});

describe("key rings and rotation", () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const aad = "certificate:7d0c1c9e-96a4-4d8a-a3ce-6a1f4b0c2e11";
  const plaintext = randomBytes(138);

  it("derives a key's ID from the key alone: stable, 16 hex digits, distinct per key", () => {
    expect(kekId(oldKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(kekId(Buffer.from(oldKey))).toBe(kekId(oldKey));
    expect(kekId(newKey)).not.toBe(kekId(oldKey));
    const ring = createKeyRing(newKey, [oldKey, newKey, oldKey]);
    expect(ring.current.id).toBe(kekId(newKey));
    expect([...ring.byId.keys()]).toEqual([kekId(newKey), kekId(oldKey)]);
  });

  it("seals under the current key only, and opens under any key of the ring", () => {
    const sealedOld = sealPrivateKey({ kek: createKeyRing(oldKey), plaintext, aad });
    const ring = createKeyRing(newKey, [oldKey]);
    expect(openPrivateKey({ kek: ring, sealed: sealedOld, aad }).equals(plaintext)).toBe(true);
    const sealedNew = sealPrivateKey({ kek: ring, plaintext, aad });
    expect(sealedKekId(sealedNew)).toBe(kekId(newKey));
    expect(openPrivateKey({ kek: createKeyRing(newKey), sealed: sealedNew, aad })).toEqual(
      plaintext,
    );
  });

  it("opens version 0x01 envelopes (no key ID) under whichever ring key sealed them", () => {
    const v1 = sealV1(oldKey, plaintext, aad);
    expect(sealedKekId(v1)).toBeNull();
    expect(openPrivateKey({ kek: createKeyRing(oldKey), sealed: v1, aad })).toEqual(plaintext);
    expect(openPrivateKey({ kek: createKeyRing(newKey, [oldKey]), sealed: v1, aad })).toEqual(
      plaintext,
    );
    expect(() => openPrivateKey({ kek: createKeyRing(newKey), sealed: v1, aad })).toThrow(
      /cannot open/,
    );
    expect(() => openPrivateKey({ kek: createKeyRing(oldKey), sealed: v1, aad: "x" })).toThrow(
      PkiError,
    );
  });

  it("re-wraps 0x01 and 0x02 envelopes under the new key, keeping the encrypted key as it was", () => {
    const ring = createKeyRing(newKey, [oldKey]);
    for (const sealed of [
      sealV1(oldKey, plaintext, aad),
      sealPrivateKey({ kek: createKeyRing(oldKey), plaintext, aad }),
    ]) {
      const rewrapped = rewrapPrivateKey({ kek: ring, sealed, aad });
      expect(sealedKekId(rewrapped)).toBe(kekId(newKey));
      // Everything from the key's IV on is the same bytes: only the DEK wrap changed.
      const bodyLength = 12 + plaintext.length + 16;
      expect(rewrapped.subarray(-bodyLength)).toEqual(sealed.subarray(-bodyLength));
      expect(rewrapped.length).toBe(1 + 8 + 60 + bodyLength);
      // The old key can now be dropped.
      expect(openPrivateKey({ kek: createKeyRing(newKey), sealed: rewrapped, aad })).toEqual(
        plaintext,
      );
      expect(() => openPrivateKey({ kek: createKeyRing(oldKey), sealed: rewrapped, aad })).toThrow(
        UnknownKekError,
      );
    }
  });

  it("does not re-wrap an envelope whose key part was altered, nor one bound to another record", () => {
    const ring = createKeyRing(newKey, [oldKey]);
    const sealed = sealPrivateKey({ kek: createKeyRing(oldKey), plaintext, aad });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
    expect(() => rewrapPrivateKey({ kek: ring, sealed: tampered, aad })).toThrow(/cannot open/);
    expect(() => rewrapPrivateKey({ kek: ring, sealed, aad: "certificate:other" })).toThrow(
      /cannot open/,
    );
  });

  it("names the KEK ID it has no key for", () => {
    const sealed = sealPrivateKey({ kek: createKeyRing(oldKey), plaintext, aad });
    const ring = createKeyRing(newKey);
    let caught: unknown;
    try {
      rewrapPrivateKey({ kek: ring, sealed, aad });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownKekError);
    expect((caught as UnknownKekError).kekId).toBe(kekId(oldKey));
    expect((caught as Error).message).toContain(kekId(oldKey));
    expect((caught as Error).message).not.toContain(oldKey.toString("base64"));
  });
});
