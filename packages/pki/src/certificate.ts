import {
  type KeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureAlgorithmFits,
} from "./algorithms";
import { validateAltName } from "./alt-names";
import { canSignCertificates, parseCertificateDetails } from "./certificate-info";
import { readCertificate } from "./certificate-parts";
import { PkiError } from "./errors";
import {
  authorityKeyIdentifierExtension,
  caExtensions,
  checkExtendedKeyUsages,
  checkKeyUsages,
  decodeSubjectKeyIdentifier,
  EXTENSION_OIDS,
  findExtension,
  leafExtensions,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions";
import { subjectKeyIdentifier } from "./key-identifier";
import { keyAlgorithmOfPrivateKey, keyAlgorithmOfSpki, privateKeyMatchesPublicKey } from "./keys";
import { type SubjectInput, subjectIsEmpty, subjectToName, validateSubject } from "./names";
import { encodePem } from "./pem";
import { importSigningKey, webCrypto } from "./signing-key";
import type { AltName, ExtendedKeyUsage, KeyUsage } from "./usages";
import * as x509 from "./x509";

/** An issuing CA: its certificate and its private key. */
export interface SignerInput {
  certificatePem: string;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
}

export interface CertificateInput {
  subject: SubjectInput;
  /** The subject's public key, DER SubjectPublicKeyInfo. */
  publicKeySpki: Buffer;
  /** Hex, at most 20 bytes, positive without a pad byte (as generateSerialNumber makes). */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Must fit the signing key: the issuer's, or the subject's own for self-signed. */
  signatureAlgorithm: SignatureAlgorithm;
  issuer: SignerInput | { selfSigned: { privateKeyPkcs8: Buffer; keyAlgorithm: KeyAlgorithm } };
  /** Present: a CA certificate. maxPathLength -1 means no pathLen constraint. */
  ca?: { maxPathLength: number };
  /** Leaf only: KeyUsage (critical) with exactly these bits, when non-empty. */
  keyUsages?: KeyUsage[];
  /** Leaf only: EKU (non-critical) with exactly these, when non-empty. */
  extendedKeyUsages?: ExtendedKeyUsage[];
  /** SAN, critical when the subject is empty. */
  altNames?: AltName[];
}

interface Signer {
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
  /** DER of the issuer Name, copied byte for byte so chains build. */
  issuerName: Buffer | null;
  authorityKeyId: Buffer;
}

// X.509 Time cannot express years outside 0000..9999 and UTCTime starts in 1950.
const EARLIEST = Date.UTC(1950, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

function checkValidity(notBefore: Date, notAfter: Date): void {
  for (const [field, date] of [
    ["notBefore", notBefore],
    ["notAfter", notAfter],
  ] as const) {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw new PkiError(`${field} must be a valid date`, field);
    }
    if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
      throw new PkiError(`${field} must lie between 1950 and 9999`, field);
    }
  }
  // X.509 times have whole seconds, so compare what will actually be encoded.
  if (Math.floor(notAfter.getTime() / 1000) <= Math.floor(notBefore.getTime() / 1000)) {
    throw new PkiError("notAfter must be later than notBefore", "notAfter");
  }
}

function checkSerialNumber(serialNumber: string): void {
  const valid =
    typeof serialNumber === "string" &&
    /^(?:[0-9a-fA-F]{2}){1,20}$/.test(serialNumber) &&
    // Positive and minimal, so the DER INTEGER reads back as this same hex.
    /^(?!00)[0-7]/.test(serialNumber);
  if (!valid) {
    throw new PkiError(
      "serialNumber must be 1 to 20 bytes of hex, positive, without a leading zero byte",
      "serialNumber",
    );
  }
}

function checkSubjectAndAltNames(input: CertificateInput): AltName[] {
  validateSubject(input.subject);
  const altNames = input.altNames ?? [];
  for (const altName of altNames) {
    const problem = validateAltName(altName);
    if (problem) throw new PkiError(problem, "altNames");
  }
  if (subjectIsEmpty(input.subject)) {
    if (input.ca) throw new PkiError("a CA certificate needs a subject", "subject");
    if (altNames.length === 0) {
      throw new PkiError(
        "the certificate needs a subject attribute or an alternative name",
        "subject",
      );
    }
  }
  return altNames;
}

function checkDeclaredKeyAlgorithm(pkcs8: Buffer, declared: KeyAlgorithm): void {
  const actual = keyAlgorithmOfPrivateKey(pkcs8, "issuer");
  if (actual !== declared) {
    throw new PkiError(`the signing key is ${actual}, not ${declared}`, "issuer");
  }
}

function resolveSigner(input: CertificateInput, subjectKeyId: Buffer): Signer {
  const { issuer } = input;
  if ("selfSigned" in issuer) {
    const { privateKeyPkcs8, keyAlgorithm } = issuer.selfSigned;
    checkDeclaredKeyAlgorithm(privateKeyPkcs8, keyAlgorithm);
    if (!privateKeyMatchesPublicKey(privateKeyPkcs8, input.publicKeySpki)) {
      throw new PkiError("the self-signing private key does not match publicKeySpki", "issuer");
    }
    return { privateKeyPkcs8, keyAlgorithm, issuerName: null, authorityKeyId: subjectKeyId };
  }

  const parsed = parseCertificateDetails(issuer.certificatePem, "issuer");
  if (!canSignCertificates(parsed)) {
    throw new PkiError(
      "the issuer certificate is not a CA allowed to sign certificates (needs CA:TRUE and keyCertSign)",
      "issuer",
    );
  }
  if (input.ca && parsed.info.maxPathLength === 0) {
    throw new PkiError("the issuer has pathLen 0 and cannot issue CA certificates", "ca");
  }
  checkDeclaredKeyAlgorithm(issuer.privateKeyPkcs8, issuer.keyAlgorithm);
  if (!privateKeyMatchesPublicKey(issuer.privateKeyPkcs8, parsed.parts.spki)) {
    throw new PkiError("the issuer's private key does not match its certificate", "issuer");
  }
  const skiExtension = findExtension(parsed.parts.extensions, EXTENSION_OIDS.subjectKeyIdentifier);
  return {
    privateKeyPkcs8: issuer.privateKeyPkcs8,
    keyAlgorithm: issuer.keyAlgorithm,
    issuerName: parsed.parts.subject,
    // An issuer without an SKI (some old external roots) gets the one it would have had.
    authorityKeyId: skiExtension
      ? decodeSubjectKeyIdentifier(skiExtension.value)
      : subjectKeyIdentifier(parsed.parts.spki),
  };
}

function copy(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

/**
 * Builds and signs an X.509 v3 certificate and returns its PEM. Always: SKI (RFC 5280 method
 * 1), AKI = the issuer's SKI (= the SKI for self-signed), BasicConstraints (critical). CA:
 * CA:TRUE with pathLen, KeyUsage keyCertSign|cRLSign|digitalSignature (critical), no EKU, and
 * keyUsages/extendedKeyUsages are ignored. Leaf: CA:FALSE, the requested KeyUsage (critical)
 * and EKU. SAN when altNames are given, critical when the subject is empty. The issuer DN is
 * the issuer certificate's subject byte for byte. Throws PkiError naming the field for bad
 * input, a signature algorithm that does not fit the signing key, an issuer that is not a CA,
 * or a signing key that does not match the issuer certificate.
 */
export async function createCertificate(input: CertificateInput): Promise<string> {
  const altNames = checkSubjectAndAltNames(input);
  checkSerialNumber(input.serialNumber);
  checkValidity(input.notBefore, input.notAfter);
  if (!SIGNATURE_ALGORITHMS.includes(input.signatureAlgorithm)) {
    throw new PkiError(
      `unknown signature algorithm "${input.signatureAlgorithm}"`,
      "signatureAlgorithm",
    );
  }
  keyAlgorithmOfSpki(input.publicKeySpki, "publicKeySpki");
  const keyUsages = checkKeyUsages(input.keyUsages ?? [], "keyUsages");
  const extendedKeyUsages = checkExtendedKeyUsages(
    input.extendedKeyUsages ?? [],
    "extendedKeyUsages",
  );
  if (!input.ca && keyUsages.includes("key_cert_sign")) {
    // RFC 5280 4.2.1.3: keyCertSign requires CA:TRUE.
    throw new PkiError("key_cert_sign is only for CA certificates", "keyUsages");
  }

  const subjectKeyId = subjectKeyIdentifier(input.publicKeySpki);
  const signer = resolveSigner(input, subjectKeyId);
  if (!signatureAlgorithmFits(input.signatureAlgorithm, signer.keyAlgorithm)) {
    throw new PkiError(
      `signature algorithm ${input.signatureAlgorithm} does not fit the signing key (${signer.keyAlgorithm})`,
      "signatureAlgorithm",
    );
  }

  const subjectName = subjectToName(input.subject);
  const extensions = [
    ...(input.ca
      ? caExtensions(input.ca.maxPathLength)
      : leafExtensions(keyUsages, extendedKeyUsages)),
    subjectKeyIdentifierExtension(subjectKeyId),
    authorityKeyIdentifierExtension(signer.authorityKeyId),
    ...(altNames.length > 0
      ? [subjectAltNameExtension(altNames, subjectIsEmpty(input.subject))]
      : []),
  ];
  const { privateKey, signingAlgorithm } = await importSigningKey({
    privateKeyPkcs8: signer.privateKeyPkcs8,
    keyAlgorithm: signer.keyAlgorithm,
    signatureAlgorithm: input.signatureAlgorithm,
    field: "issuer",
  });
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: input.serialNumber,
      subject: subjectName,
      issuer: signer.issuerName ? new x509.Name(copy(signer.issuerName)) : subjectName,
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      publicKey: copy(input.publicKeySpki),
      signingKey: privateKey,
      signingAlgorithm,
      extensions,
    },
    webCrypto,
  );

  const der = Buffer.from(certificate.rawData);
  const written = readCertificate(der);
  if (signer.issuerName && !written.issuer.equals(signer.issuerName)) {
    // x509 re-encodes names; a change here would break chain building, so never emit it.
    throw new Error("internal error: the issuer name was not copied exactly");
  }
  return encodePem("CERTIFICATE", der);
}
