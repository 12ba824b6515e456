import { PkiError } from "./errors";

const LINE_LENGTH = 64;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function blockPattern(label: string): RegExp {
  return new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
}

function wrapBase64(base64: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += LINE_LENGTH) lines.push(base64.slice(i, i + LINE_LENGTH));
  return lines;
}

/**
 * PEM text of `der` under `label`, "\n" line endings and a final newline, as openssl writes
 * it, so PEMs can be concatenated into bundles as they are.
 */
export function encodePem(label: string, der: Buffer): string {
  return `${[`-----BEGIN ${label}-----`, ...wrapBase64(der.toString("base64")), `-----END ${label}-----`].join("\n")}\n`;
}

/**
 * The DER of the one `label` block in `text`. Text outside the block is ignored (RFC 7468
 * allows explanatory text); more than one block, or base64 that does not round-trip, is not.
 */
export function decodePem(text: string, label: string, field: string): Buffer {
  if (typeof text !== "string") throw new PkiError(`${field} must be a PEM string`, field);
  const blocks = [...text.matchAll(blockPattern(label))];
  if (blocks.length !== 1) {
    throw new PkiError(
      blocks.length === 0
        ? `${field} is not a PEM "${label}" block`
        : `${field} holds ${blocks.length} PEM "${label}" blocks; expected exactly one`,
      field,
    );
  }
  const base64 = (blocks[0]?.[1] ?? "").replace(/\s+/g, "");
  const der = Buffer.from(base64, "base64");
  if (!BASE64.test(base64) || base64.length % 4 !== 0 || der.toString("base64") !== base64) {
    throw new PkiError(`${field} has invalid base64 in its PEM "${label}" block`, field);
  }
  if (der.length === 0) throw new PkiError(`${field} has an empty PEM "${label}" block`, field);
  return der;
}

/** Every "CERTIFICATE" block of `bundle`, in order, re-wrapped as encodePem writes it. */
export function splitPemBundle(bundle: string): string[] {
  return [...bundle.matchAll(blockPattern("CERTIFICATE"))].map(
    (match) =>
      `${["-----BEGIN CERTIFICATE-----", ...wrapBase64((match[1] ?? "").replace(/\s+/g, "")), "-----END CERTIFICATE-----"].join("\n")}\n`,
  );
}

/** PEM blocks joined one after another, ending in a newline ("" for none). */
export function joinPem(pems: string[]): string {
  const blocks = pems.map((pem) => pem.trim()).filter((pem) => pem.length > 0);
  return blocks.length === 0 ? "" : `${blocks.join("\n")}\n`;
}
