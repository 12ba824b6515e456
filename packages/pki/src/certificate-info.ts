import { createHash } from "node:crypto";
import type { KeyAlgorithm } from "./algorithms";
import { decodeAltNames } from "./alt-names";
import { type CertificateParts, readCertificate } from "./certificate-parts";
import { asPkiError, toPkiError } from "./errors";
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  EXTENSION_OIDS,
  findExtension,
} from "./extensions";
import { keyAlgorithmOfSpki } from "./keys";
import { decodeNameConstraints, type NameConstraints } from "./name-constraints";
import { namesMatch, rdnsToString, rdnsToSubject, readName, type SubjectInput } from "./names";
import { decodePem } from "./pem";
import { verifySignature } from "./signature";
import type { AltName, KeyUsage } from "./usages";
import * as x509 from "./x509";

export interface CertificateInfo {
  /** Lowercase hex of the DER INTEGER's content octets. */
  serialNumber: string;
  subject: SubjectInput;
  subjectString: string;
  issuerString: string;
  notBefore: Date;
  notAfter: Date;
  publicKeySpki: Buffer;
  /** Null for keys certq does not issue with. */
  keyAlgorithm: KeyAlgorithm | null;
  isCa: boolean;
  /** -1 when there is no pathLen constraint (always for non-CAs). */
  maxPathLength: number;
  /** Issuer and subject are the same name and the certificate's own key verifies it. */
  selfSigned: boolean;
  /** Lowercase hex, or null when absent. */
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  altNames: AltName[];
  /** The nameConstraints extension, decoded; null when absent. */
  nameConstraints: NameConstraints | null;
  /** Lowercase hex SHA-256 of the DER, no separators. */
  fingerprintSha256: string;
}

/** A certificate's info together with its exact DER pieces, for chain checks. */
export interface ParsedCertificate {
  info: CertificateInfo;
  parts: CertificateParts;
  keyUsages: KeyUsage[] | null;
}

function signedBy(parts: CertificateParts, issuerSpki: Buffer): boolean {
  try {
    return verifySignature({
      algorithmIdentifier: parts.signatureAlgorithm,
      data: parts.tbs,
      signature: parts.signature,
      spki: issuerSpki,
    });
  } catch {
    return false;
  }
}

/** Whether `issuer`'s subject is `certificate`'s issuer and `issuer`'s key signed it. */
export function issuedBy(certificate: CertificateParts, issuer: CertificateParts): boolean {
  return namesMatch(certificate.issuer, issuer.subject) && signedBy(certificate, issuer.spki);
}

function parseDer(der: Buffer): ParsedCertificate {
  // x509's parser checks the whole structure (algorithms, times) and decodes the validity.
  const certificate = new x509.X509Certificate(new Uint8Array(der));
  const parts = readCertificate(der);
  const subjectRdns = readName(parts.subject);
  const extension = (oid: string) => findExtension(parts.extensions, oid)?.value;

  const basicConstraintsValue = extension(EXTENSION_OIDS.basicConstraints);
  const basicConstraints = basicConstraintsValue
    ? decodeBasicConstraints(basicConstraintsValue)
    : { ca: false, pathLength: -1 };
  const keyUsageValue = extension(EXTENSION_OIDS.keyUsage);
  const subjectKeyIdValue = extension(EXTENSION_OIDS.subjectKeyIdentifier);
  const authorityKeyIdValue = extension(EXTENSION_OIDS.authorityKeyIdentifier);
  const authorityKeyId = authorityKeyIdValue
    ? decodeAuthorityKeyIdentifier(authorityKeyIdValue)
    : null;
  const altNamesValue = extension(EXTENSION_OIDS.subjectAltName);
  const nameConstraints = findExtension(parts.extensions, EXTENSION_OIDS.nameConstraints);

  let keyAlgorithm: KeyAlgorithm | null = null;
  try {
    keyAlgorithm = keyAlgorithmOfSpki(parts.spki);
  } catch {
    keyAlgorithm = null;
  }

  const info: CertificateInfo = {
    serialNumber: parts.serialNumber.toString("hex"),
    subject: rdnsToSubject(subjectRdns, false),
    subjectString: rdnsToString(subjectRdns),
    issuerString: rdnsToString(readName(parts.issuer)),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    publicKeySpki: Buffer.from(parts.spki),
    keyAlgorithm,
    isCa: basicConstraints.ca,
    maxPathLength: basicConstraints.ca ? basicConstraints.pathLength : -1,
    selfSigned: namesMatch(parts.issuer, parts.subject) && signedBy(parts, parts.spki),
    subjectKeyId: subjectKeyIdValue
      ? decodeSubjectKeyIdentifier(subjectKeyIdValue).toString("hex")
      : null,
    authorityKeyId: authorityKeyId ? authorityKeyId.toString("hex") : null,
    altNames: altNamesValue ? decodeAltNames(altNamesValue).altNames : [],
    nameConstraints: nameConstraints
      ? decodeNameConstraints(nameConstraints.value, nameConstraints.critical)
      : null,
    fingerprintSha256: createHash("sha256").update(der).digest("hex"),
  };
  return { info, parts, keyUsages: keyUsageValue ? decodeKeyUsage(keyUsageValue) : null };
}

/** Parses one PEM certificate; PkiError on `field` when it is not one. */
export function parseCertificateDetails(pem: string, field = "certificate"): ParsedCertificate {
  const der = decodePem(pem, "CERTIFICATE", field);
  try {
    return parseDer(der);
  } catch (error) {
    throw toPkiError(field, `${field} is not a valid X.509 certificate`, error);
  }
}

/**
 * A certificate's subject and nameConstraints alone: the DER reader only, no full parse and
 * no signature check, so it costs a small fraction of parseCertificate (chains, CA lists).
 */
export function readCertificateNameConstraints(
  pem: string,
  field = "certificate",
): { subjectString: string; nameConstraints: NameConstraints | null } {
  const der = decodePem(pem, "CERTIFICATE", field);
  return asPkiError(field, `${field} is not a valid X.509 certificate`, () => {
    const parts = readCertificate(der);
    const found = findExtension(parts.extensions, EXTENSION_OIDS.nameConstraints);
    return {
      subjectString: rdnsToString(readName(parts.subject)),
      nameConstraints: found ? decodeNameConstraints(found.value, found.critical) : null,
    };
  });
}

/** Parses one PEM certificate. Throws PkiError(field "certificate") when it is not one. */
export function parseCertificate(pem: string): CertificateInfo {
  return parseCertificateDetails(pem).info;
}

/** Whether a CA may sign certificates: CA:TRUE and, if KeyUsage is present, keyCertSign. */
export function mayCertify(isCa: boolean, keyUsages: readonly KeyUsage[] | null): boolean {
  return isCa && (keyUsages === null || keyUsages.includes("key_cert_sign"));
}

/** Whether a CA certificate may sign certificates (see mayCertify). */
export function canSignCertificates(certificate: ParsedCertificate): boolean {
  return mayCertify(certificate.info.isCa, certificate.keyUsages);
}

export function describeCertificate(info: CertificateInfo): string {
  return info.subjectString === "" ? `serial ${info.serialNumber}` : `"${info.subjectString}"`;
}
