import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { PkiError } from "./errors";

// Envelope encryption of private keys at rest, AES-256-GCM throughout. Sealed layout:
//
//   offset  size  field
//   0       1     version, 0x01
//   1       12    IV for wrapping the DEK
//   13      32    the DEK encrypted under the KEK
//   45      16    GCM tag of the DEK wrap
//   61      12    IV for the key
//   73      n     the private key (PKCS#8 DER) encrypted under the DEK
//   73+n    16    GCM tag of the key encryption
//
// Each key gets a fresh random 32-byte DEK, so no (key, IV) pair repeats across records even
// with random IVs, and re-keying the KEK only rewraps 32 bytes. `aad` (the owning record's
// identity) is authenticated by both GCM operations, so a sealed key moved onto another record
// does not open. Nothing but ciphertext is stored: never the plaintext or its PEM.

const VERSION = 0x01;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + KEY_BYTES + TAG_BYTES + IV_BYTES;
const CIPHER = "aes-256-gcm";

function checkKek(kek: Buffer): void {
  if (!Buffer.isBuffer(kek) || kek.length !== KEY_BYTES) {
    throw new PkiError(`the key-encryption key must be ${KEY_BYTES} bytes`, "kek");
  }
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** Encrypts a private key under the KEK (32 bytes), bound to `aad`. See the layout above. */
export function sealPrivateKey(args: { kek: Buffer; plaintext: Buffer; aad: string }): Buffer {
  checkKek(args.kek);
  const aad = Buffer.from(args.aad, "utf8");
  const dek = randomBytes(KEY_BYTES);
  try {
    return Buffer.concat([
      Buffer.from([VERSION]),
      encrypt(args.kek, dek, aad),
      encrypt(dek, args.plaintext, aad),
    ]);
  } finally {
    dek.fill(0);
  }
}

/**
 * Decrypts what sealPrivateKey produced. Throws PkiError(field "sealed") when the bytes were
 * altered, or the KEK or aad differ from those used to seal.
 */
export function openPrivateKey(args: { kek: Buffer; sealed: Buffer; aad: string }): Buffer {
  checkKek(args.kek);
  const { sealed } = args;
  if (!Buffer.isBuffer(sealed) || sealed.length < HEADER_BYTES + TAG_BYTES) {
    throw new PkiError("sealed private key is truncated", "sealed");
  }
  if (sealed[0] !== VERSION) {
    throw new PkiError(`sealed private key has unknown version ${sealed[0]}`, "sealed");
  }
  const aad = Buffer.from(args.aad, "utf8");
  const ciphertextEnd = sealed.length - TAG_BYTES;
  const dekIv = sealed.subarray(1, 1 + IV_BYTES);
  const wrappedDek = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + KEY_BYTES);
  const dekTag = sealed.subarray(1 + IV_BYTES + KEY_BYTES, HEADER_BYTES - IV_BYTES);
  const keyIv = sealed.subarray(HEADER_BYTES - IV_BYTES, HEADER_BYTES);
  const ciphertext = sealed.subarray(HEADER_BYTES, ciphertextEnd);
  const keyTag = sealed.subarray(ciphertextEnd);
  let dek: Buffer | undefined;
  try {
    dek = decrypt(args.kek, dekIv, wrappedDek, dekTag, aad);
    return decrypt(dek, keyIv, ciphertext, keyTag, aad);
  } catch {
    throw new PkiError(
      "cannot open the sealed private key: wrong key-encryption key, wrong record, or tampered data",
      "sealed",
    );
  } finally {
    dek?.fill(0);
  }
}
