import {
  type KeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureAlgorithmFits,
} from "./algorithms";
import {
  canSignCertificates,
  type ParsedCertificate,
  parseCertificateDetails,
} from "./certificate-info";
import { PkiError } from "./errors";
import { decodeSubjectKeyIdentifier, EXTENSION_OIDS, findExtension } from "./extensions";
import { subjectKeyIdentifier } from "./key-identifier";
import { keyAlgorithmOfPrivateKey, privateKeyMatchesPublicKey } from "./keys";

/** An issuing CA: its certificate and its private key. */
export interface SignerInput {
  certificatePem: string;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
}

/** A CA checked fit to sign, with what its signed objects copy from it. */
export interface Signer {
  certificate: ParsedCertificate;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
  /** For the AKI of what it signs: its SKI, or the one it would have had. */
  keyIdentifier: Buffer;
}

export type SignerDuty = "certificates" | "crls" | "ocsp";

interface Duty {
  allowed: (ca: ParsedCertificate) => boolean;
  what: string;
  needs: string;
}

const DUTIES: Record<SignerDuty, Duty> = {
  certificates: {
    allowed: canSignCertificates,
    what: "certificates",
    needs: "CA:TRUE and keyCertSign",
  },
  // RFC 5280 4.2.1.3: CRL signatures verify only with cRLSign, and OpenSSL checks it.
  crls: {
    allowed: (ca) => ca.info.isCa && (ca.keyUsages === null || ca.keyUsages.includes("crl_sign")),
    what: "CRLs",
    needs: "CA:TRUE and cRLSign",
  },
  // The CA answers for its own certificates (RFC 6960 4.2.2.2), so no delegation EKU.
  ocsp: { allowed: (ca) => ca.info.isCa, what: "OCSP responses", needs: "CA:TRUE" },
};

export function checkDeclaredKeyAlgorithm(
  pkcs8: Buffer,
  declared: KeyAlgorithm,
  field: string,
): void {
  const actual = keyAlgorithmOfPrivateKey(pkcs8, field);
  if (actual !== declared) {
    throw new PkiError(`the signing key is ${actual}, not ${declared}`, field);
  }
}

/** Throws PkiError(signatureAlgorithm) for an unknown algorithm or one the key cannot make. */
export function checkSignatureAlgorithm(
  signatureAlgorithm: SignatureAlgorithm,
  keyAlgorithm: KeyAlgorithm,
): void {
  if (!SIGNATURE_ALGORITHMS.includes(signatureAlgorithm)) {
    throw new PkiError(`unknown signature algorithm "${signatureAlgorithm}"`, "signatureAlgorithm");
  }
  if (!signatureAlgorithmFits(signatureAlgorithm, keyAlgorithm)) {
    throw new PkiError(
      `signature algorithm ${signatureAlgorithm} does not fit the signing key (${keyAlgorithm})`,
      "signatureAlgorithm",
    );
  }
}

/**
 * Parses the CA certificate and checks that it may do `duty`, that the private key is the
 * declared algorithm and that it belongs to the certificate; PkiError on `field` otherwise.
 */
export function loadSigner(input: SignerInput, field: string, duty: SignerDuty): Signer {
  const certificate = parseCertificateDetails(input?.certificatePem, field);
  const { allowed, what, needs } = DUTIES[duty];
  if (!allowed(certificate)) {
    throw new PkiError(
      `the ${field} certificate is not a CA allowed to sign ${what} (needs ${needs})`,
      field,
    );
  }
  checkDeclaredKeyAlgorithm(input.privateKeyPkcs8, input.keyAlgorithm, field);
  if (!privateKeyMatchesPublicKey(input.privateKeyPkcs8, certificate.parts.spki)) {
    throw new PkiError(`the ${field}'s private key does not match its certificate`, field);
  }
  const skiExtension = findExtension(
    certificate.parts.extensions,
    EXTENSION_OIDS.subjectKeyIdentifier,
  );
  return {
    certificate,
    privateKeyPkcs8: input.privateKeyPkcs8,
    keyAlgorithm: input.keyAlgorithm,
    // An issuer without an SKI (some old external roots) gets the one it would have had.
    keyIdentifier: skiExtension
      ? decodeSubjectKeyIdentifier(skiExtension.value)
      : subjectKeyIdentifier(certificate.parts.spki),
  };
}
