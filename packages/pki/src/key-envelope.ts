import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { PkiError } from "./errors";
import { KEK_BYTES, KEK_ID_BYTES, type KeyRing } from "./key-ring";

// Envelope encryption of private keys at rest, AES-256-GCM throughout. Sealed layout:
//
//   offset  size  field
//   0       1     version, 0x02
//   1       8     ID of the KEK that wrapped the DEK (see kekId)
//   9       12    IV for wrapping the DEK
//   21      32    the DEK encrypted under the KEK
//   53      16    GCM tag of the DEK wrap
//   69      12    IV for the key
//   81      n     the private key (PKCS#8 DER) encrypted under the DEK
//   81+n    16    GCM tag of the key encryption
//
// Version 0x01 is the same without the KEK ID (from before key rings): it still opens under
// any key of the ring, and rewrapPrivateKey turns it into 0x02. Each key gets a fresh random
// 32-byte DEK, so no (key, IV) pair repeats across records even with random IVs, and rotating
// the KEK only re-wraps the DEK: everything from the key's IV on is left as it was. `aad` (the
// owning record's identity) is authenticated by both GCM operations, so a sealed key moved
// onto another record does not open. Nothing but ciphertext is stored: never the plaintext.

const V1 = 0x01;
const V2 = 0x02;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_BYTES = IV_BYTES + KEK_BYTES + TAG_BYTES;
const CIPHER = "aes-256-gcm";

/** Thrown when an envelope names a KEK ID the ring does not hold. */
export class UnknownKekError extends PkiError {
  constructor(readonly kekId: string) {
    super(`the key was sealed under key-encryption key ${kekId}, which is not configured`, "kek");
    this.name = "UnknownKekError";
  }
}

function checkRing(ring: KeyRing): void {
  if (!Buffer.isBuffer(ring?.current?.key) || ring.current.key.length !== KEK_BYTES) {
    throw new PkiError(`the key-encryption key must be ${KEK_BYTES} bytes`, "kek");
  }
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

/** Opens what encrypt produced (IV, ciphertext, tag); throws on any mismatch. */
function decrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

interface Envelope {
  /** Null for version 0x01, which does not say. */
  kekId: string | null;
  /** IV, wrapped DEK and tag. */
  wrap: Buffer;
  /** IV, encrypted key and tag: untouched by re-wrapping. */
  body: Buffer;
}

function parse(sealed: Buffer): Envelope {
  if (!Buffer.isBuffer(sealed) || sealed.length < 1) {
    throw new PkiError("sealed private key is truncated", "sealed");
  }
  const version = sealed[0];
  if (version !== V1 && version !== V2) {
    throw new PkiError(`sealed private key has unknown version ${version}`, "sealed");
  }
  const idBytes = version === V2 ? KEK_ID_BYTES : 0;
  const wrapStart = 1 + idBytes;
  if (sealed.length < wrapStart + WRAP_BYTES + IV_BYTES + TAG_BYTES) {
    throw new PkiError("sealed private key is truncated", "sealed");
  }
  return {
    kekId: version === V2 ? sealed.subarray(1, wrapStart).toString("hex") : null,
    wrap: sealed.subarray(wrapStart, wrapStart + WRAP_BYTES),
    body: sealed.subarray(wrapStart + WRAP_BYTES),
  };
}

const CANNOT_OPEN =
  "cannot open the sealed private key: wrong key-encryption key, wrong record, or tampered data";

/** The DEK, unwrapped by the key the envelope names (0x02) or by whichever ring key fits (0x01). */
function unwrapDek(ring: KeyRing, envelope: Envelope, aad: Buffer): Buffer {
  const candidates: Buffer[] = [];
  if (envelope.kekId !== null) {
    const key = ring.byId.get(envelope.kekId);
    if (!key) throw new UnknownKekError(envelope.kekId);
    candidates.push(key);
  } else {
    candidates.push(
      ring.current.key,
      ...[...ring.byId.values()].filter((k) => k !== ring.current.key),
    );
  }
  for (const key of candidates) {
    try {
      return decrypt(key, envelope.wrap, aad);
    } catch {}
  }
  throw new PkiError(CANNOT_OPEN, "sealed");
}

function openEnvelope(
  ring: KeyRing,
  envelope: Envelope,
  aad: Buffer,
): { dek: Buffer; key: Buffer } {
  const dek = unwrapDek(ring, envelope, aad);
  try {
    return { dek, key: decrypt(dek, envelope.body, aad) };
  } catch {
    dek.fill(0);
    throw new PkiError(CANNOT_OPEN, "sealed");
  }
}

function header(ring: KeyRing, dek: Buffer, aad: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([V2]),
    Buffer.from(ring.current.id, "hex"),
    encrypt(ring.current.key, dek, aad),
  ]);
}

/** Encrypts a private key under the ring's current KEK, bound to `aad`. See the layout above. */
export function sealPrivateKey(args: { kek: KeyRing; plaintext: Buffer; aad: string }): Buffer {
  checkRing(args.kek);
  const aad = Buffer.from(args.aad, "utf8");
  const dek = randomBytes(KEK_BYTES);
  try {
    return Buffer.concat([header(args.kek, dek, aad), encrypt(dek, args.plaintext, aad)]);
  } finally {
    dek.fill(0);
  }
}

/**
 * Decrypts what sealPrivateKey produced, under any key of the ring. Throws UnknownKekError when
 * the envelope names a KEK the ring lacks, PkiError(field "sealed") when the bytes were altered
 * or the KEK or aad differ from those used to seal.
 */
export function openPrivateKey(args: { kek: KeyRing; sealed: Buffer; aad: string }): Buffer {
  checkRing(args.kek);
  const opened = openEnvelope(args.kek, parse(args.sealed), Buffer.from(args.aad, "utf8"));
  opened.dek.fill(0);
  return opened.key;
}

/**
 * The same envelope with its DEK wrapped under the ring's current KEK instead: the encrypted
 * key itself is kept byte for byte. The whole envelope is opened first, so a re-wrapped
 * envelope is known to open. Throws as openPrivateKey does.
 */
export function rewrapPrivateKey(args: { kek: KeyRing; sealed: Buffer; aad: string }): Buffer {
  checkRing(args.kek);
  const envelope = parse(args.sealed);
  const aad = Buffer.from(args.aad, "utf8");
  const { dek, key } = openEnvelope(args.kek, envelope, aad);
  key.fill(0);
  try {
    return Buffer.concat([header(args.kek, dek, aad), envelope.body]);
  } finally {
    dek.fill(0);
  }
}

/** The ID of the KEK an envelope is sealed under; null for version 0x01, which does not say. */
export function sealedKekId(sealed: Buffer): string | null {
  return parse(sealed).kekId;
}
