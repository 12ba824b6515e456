import { parseCertificate } from "./certificate-info";
import { isMinimalInteger } from "./der";
import { PkiError } from "./errors";

/** RFC 9773 4.1: which certificate a renewalInfo URL or a new-order `replaces` names. */
export interface AcmeCertId {
  /** The keyIdentifier of the certificate's Authority Key Identifier. */
  keyIdentifier: Buffer;
  /** The content octets of the certificate's serialNumber INTEGER. */
  serialNumber: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Bounds hostile input: a SHA-1 or SHA-256 key ID and a 20-byte serial need far less.
const MAX_CERT_ID_LENGTH = 200;
const MAX_SERIAL_BYTES = 32;

/** Unpadded base64url only, and canonical: decoding then encoding gives the text back. */
function decodePart(text: string, what: string): Buffer {
  const bytes = BASE64URL.test(text) ? Buffer.from(text, "base64url") : null;
  if (!bytes || bytes.length === 0 || bytes.toString("base64url") !== text) {
    throw new PkiError(`the ${what} is not unpadded base64url`, "certID");
  }
  return bytes;
}

/**
 * Parses `base64url(AKI keyIdentifier) "." base64url(serial DER content octets)`. PkiError
 * (field `certID`) unless both parts are canonical base64url and the serial is a positive,
 * minimally encoded INTEGER of at most 32 bytes.
 */
export function parseAcmeCertId(text: string): AcmeCertId {
  if (text.length > MAX_CERT_ID_LENGTH) throw new PkiError("the certID is too long", "certID");
  const parts = text.split(".");
  if (parts.length !== 2) {
    throw new PkiError("a certID is two base64url parts joined by '.'", "certID");
  }
  const keyIdentifier = decodePart(parts[0] as string, "key identifier");
  const serialNumber = decodePart(parts[1] as string, "serial number");
  if (
    serialNumber.length > MAX_SERIAL_BYTES ||
    !isMinimalInteger(serialNumber) ||
    (serialNumber[0] as number) & 0x80
  ) {
    throw new PkiError(
      "the serial number is not a positive DER INTEGER of at most 32 bytes",
      "certID",
    );
  }
  return { keyIdentifier, serialNumber };
}

export function formatAcmeCertId(id: AcmeCertId): string {
  return `${id.keyIdentifier.toString("base64url")}.${id.serialNumber.toString("base64url")}`;
}

/** The certID of a PEM certificate; PkiError when it has no Authority Key Identifier. */
export function acmeCertIdOf(pem: string): string {
  const info = parseCertificate(pem);
  if (!info.authorityKeyId) {
    throw new PkiError("the certificate has no Authority Key Identifier", "certificate");
  }
  return formatAcmeCertId({
    keyIdentifier: Buffer.from(info.authorityKeyId, "hex"),
    serialNumber: Buffer.from(info.serialNumber, "hex"),
  });
}
