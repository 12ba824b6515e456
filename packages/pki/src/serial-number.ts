import { randomBytes } from "node:crypto";

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
