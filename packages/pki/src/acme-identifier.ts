import { decodeAltNames } from "./alt-names";
import { readCertificate } from "./certificate-parts";
import { readOnly, TAG } from "./der";
import { toPkiError } from "./errors";
import { findExtension } from "./extensions";
import type { AltName } from "./usages";

/** id-pe-acmeIdentifier (RFC 8737 3). */
export const ACME_IDENTIFIER_OID = "1.3.6.1.5.5.7.1.31";

export interface TlsAlpnCertificate {
  altNames: AltName[];
  /** The acmeIdentifier extension: the SHA-256 of the key authorization, and its criticality. */
  acmeIdentifier?: { critical: boolean; digest: Buffer };
}

/** What tls-alpn-01 validation (RFC 8737 3) reads from the certificate a client presents. */
export function readTlsAlpnCertificate(der: Buffer): TlsAlpnCertificate {
  try {
    const parts = readCertificate(der);
    const san = findExtension(parts.extensions, "2.5.29.17");
    const acme = findExtension(parts.extensions, ACME_IDENTIFIER_OID);
    return {
      altNames: san ? decodeAltNames(san.value).altNames : [],
      ...(acme
        ? {
            acmeIdentifier: {
              critical: acme.critical,
              digest: Buffer.from(readOnly(acme.value, TAG.octetString).content),
            },
          }
        : {}),
    };
  } catch (error) {
    throw toPkiError("certificate", "invalid certificate", error);
  }
}
