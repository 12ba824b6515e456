import { randomBytes } from "node:crypto";
import { isMinimalInteger } from "./der";
import { PkiError } from "./errors";

const SERIAL_BYTES = 20;

/**
 * A certificate serial number: 20 random bytes (160 bits, RFC 5280's maximum) as 40 lowercase
 * hex characters. The top bit is cleared so the DER INTEGER is positive without a pad byte,
 * and the first byte is never zero so DER keeps all 20 bytes and the hex reads back unchanged.
 */
export function generateSerialNumber(): string {
  for (;;) {
    const bytes = randomBytes(SERIAL_BYTES);
    bytes[0] = (bytes[0] as number) & 0x7f;
    if (bytes[0] !== 0) return bytes.toString("hex");
  }
}

// Bounds hostile input; RFC 5280 allows 20 octets, and some old CAs went a little over.
const MAX_SERIAL_BYTES = 32;

/**
 * The INTEGER content octets of a serial number given as parseCertificate reports it (hex of
 * the certificate's own content octets, any case), so a CRL or OCSP response names exactly
 * that certificate. PkiError on `field` unless it is 1 to 32 bytes of minimal DER.
 */
export function serialNumberContent(hex: string, field: string): Buffer {
  const bytes =
    typeof hex === "string" && /^(?:[0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, "hex") : null;
  if (!bytes || bytes.length > MAX_SERIAL_BYTES || !isMinimalInteger(bytes)) {
    throw new PkiError(
      `serial number ${JSON.stringify(hex)} is not 1 to ${MAX_SERIAL_BYTES} bytes of hex encoding a DER INTEGER`,
      field,
    );
  }
  return bytes;
}
