import { createHash } from "node:crypto";
import { bitStringBytes, children, readOnly, TAG } from "./der";
import { PkiError } from "./errors";

/** The subjectPublicKey BIT STRING's bits of a DER SubjectPublicKeyInfo: the key itself. */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  const [, subjectPublicKey] = children(readOnly(spki, TAG.sequence));
  if (!subjectPublicKey) throw new PkiError("malformed SubjectPublicKeyInfo");
  return bitStringBytes(subjectPublicKey);
}

/**
 * RFC 5280 4.2.1.2 method 1: the SHA-1 of the subjectPublicKey BIT STRING's bits (not of the
 * whole SPKI), which is what OpenSSL and most CAs put in the Subject Key Identifier.
 */
export function subjectKeyIdentifier(spki: Buffer): Buffer {
  return createHash("sha1").update(subjectPublicKeyBits(spki)).digest();
}
