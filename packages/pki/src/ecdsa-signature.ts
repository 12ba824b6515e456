import { encodeElement, encodeSequence, TAG, unsignedIntegerContent } from "./der";
import { PkiError } from "./errors";

/**
 * X.509's ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) from the raw r || s that
 * PKCS#11's CKM_ECDSA and WebCrypto return: two halves of the curve's size, big-endian.
 */
export function ecdsaSignatureToDer(raw: Buffer): Buffer {
  if (!Buffer.isBuffer(raw) || raw.length === 0 || raw.length % 2 !== 0) {
    throw new PkiError("a raw ECDSA signature is two halves of equal length", "signature");
  }
  const half = raw.length / 2;
  const integer = (bytes: Buffer) =>
    encodeElement(TAG.integer, unsignedIntegerContent(BigInt(`0x${bytes.toString("hex")}`)));
  return encodeSequence([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
}
