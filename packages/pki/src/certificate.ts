import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { validateAltName } from "./alt-names";
import { PkiError } from "./errors";
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  caExtensions,
  checkExtendedKeyUsages,
  checkKeyUsages,
  crlDistributionPointsExtension,
  leafExtensions,
  nameConstraintsExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions";
import { subjectKeyIdentifier } from "./key-identifier";
import { keyAlgorithmOfSpki, keyObjectMatchesSpki, parsePrivateKey } from "./keys";
import { hasNameConstraints, type NameConstraintsInput } from "./name-constraints";
import { type SubjectInput, subjectIsEmpty, subjectToName, validateSubject } from "./names";
import { encodePem } from "./pem";
import {
  checkDeclaredKeyAlgorithm,
  checkExternalKey,
  checkSignatureAlgorithm,
  type SignerSource,
  signerFor,
} from "./signer";
import { type ExternalSigningKey, type SigningKey, signStructure } from "./signing-key";
import { encodeTbsCertificate } from "./tbs-certificate";
import { checkDate, isLaterInSeconds } from "./time";
import type { AltName, ExtendedKeyUsage, KeyUsage } from "./usages";

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
  /** The issuing CA (as stored, or prepared with prepareSigner), or the subject's own key. */
  issuer:
    | SignerSource
    | {
        selfSigned:
          | { privateKeyPkcs8: Buffer; keyAlgorithm: KeyAlgorithm }
          | { externalKey: ExternalSigningKey };
      };
  /** Present: a CA certificate. maxPathLength -1 means no pathLen constraint. */
  ca?: { maxPathLength: number };
  /** CA only: nameConstraints (critical) with these subtrees; none when it names none. */
  nameConstraints?: NameConstraintsInput;
  /** Leaf only: KeyUsage (critical) with exactly these bits, when non-empty. */
  keyUsages?: KeyUsage[];
  /** Leaf only: EKU (non-critical) with exactly these, when non-empty. */
  extendedKeyUsages?: ExtendedKeyUsage[];
  /** SAN, critical when the subject is empty. */
  altNames?: AltName[];
  /** CRL Distribution Points (non-critical) with this one fullName URI. */
  crlDistributionPointUrl?: string;
  /** Authority Information Access (non-critical); absent when neither URL is given. */
  authorityInfoAccess?: { caIssuersUrl?: string; ocspUrl?: string };
}

interface Signing {
  key: SigningKey;
  keyAlgorithm: KeyAlgorithm;
  /** DER of the issuer Name (the CA's subject byte for byte, so chains build), or null. */
  issuerName: Buffer | null;
  authorityKeyId: Buffer;
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  checkDate(notBefore, "notBefore");
  checkDate(notAfter, "notAfter");
  // X.509 times have whole seconds, so compare what will actually be encoded.
  if (!isLaterInSeconds(notAfter, notBefore)) {
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

function resolveSigner(input: CertificateInput, subjectKeyId: Buffer): Signing {
  const { issuer } = input;
  if ("selfSigned" in issuer && "externalKey" in issuer.selfSigned) {
    const { externalKey } = issuer.selfSigned;
    checkExternalKey(externalKey, externalKey.keyAlgorithm, input.publicKeySpki, "issuer");
    const { keyAlgorithm } = externalKey;
    return { key: externalKey, keyAlgorithm, issuerName: null, authorityKeyId: subjectKeyId };
  }
  if ("selfSigned" in issuer) {
    const { privateKeyPkcs8, keyAlgorithm } = issuer.selfSigned as {
      privateKeyPkcs8: Buffer;
      keyAlgorithm: KeyAlgorithm;
    };
    const privateKey = parsePrivateKey(privateKeyPkcs8, "issuer");
    checkDeclaredKeyAlgorithm(privateKey, keyAlgorithm, "issuer");
    if (!keyObjectMatchesSpki(privateKey, input.publicKeySpki)) {
      throw new PkiError("the self-signing private key does not match publicKeySpki", "issuer");
    }
    return { key: privateKey, keyAlgorithm, issuerName: null, authorityKeyId: subjectKeyId };
  }

  const signer = signerFor(issuer, "issuer", "certificates");
  if (input.ca && signer.maxPathLength === 0) {
    throw new PkiError("the issuer has pathLen 0 and cannot issue CA certificates", "ca");
  }
  return {
    key: signer.key,
    keyAlgorithm: signer.keyAlgorithm,
    issuerName: signer.subjectName,
    authorityKeyId: signer.keyIdentifier,
  };
}

/**
 * Builds and signs an X.509 v3 certificate and returns its PEM. Always: SKI (RFC 5280 method
 * 1), AKI = the issuer's SKI (= the SKI for self-signed), BasicConstraints (critical). CA:
 * CA:TRUE with pathLen, KeyUsage keyCertSign|cRLSign|digitalSignature (critical), no EKU, and
 * keyUsages/extendedKeyUsages are ignored. Leaf: CA:FALSE, the requested KeyUsage (critical)
 * and EKU. SAN when altNames are given, critical when the subject is empty. CRL Distribution
 * Points and Authority Information Access (both non-critical) when their URLs are given. The
 * issuer DN is the issuer certificate's subject byte for byte. Throws PkiError naming the
 * field for bad input, a signature algorithm that does not fit the signing key, an issuer that
 * is not a CA, or a signing key that does not match the issuer certificate. With a prepared
 * issuer only the duty (CA:TRUE, keyCertSign, pathLen) is checked again.
 */
export async function createCertificate(input: CertificateInput): Promise<string> {
  const altNames = checkSubjectAndAltNames(input);
  checkSerialNumber(input.serialNumber);
  checkValidity(input.notBefore, input.notAfter);
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
  if (!input.ca && hasNameConstraints(input.nameConstraints)) {
    throw new PkiError("nameConstraints are only for CA certificates", "nameConstraints");
  }
  const constraintExtensions = hasNameConstraints(input.nameConstraints)
    ? [nameConstraintsExtension(input.nameConstraints as NameConstraintsInput)]
    : [];
  const revocationExtensions = [
    ...(input.crlDistributionPointUrl === undefined
      ? []
      : [crlDistributionPointsExtension(input.crlDistributionPointUrl)]),
    ...(input.authorityInfoAccess === undefined
      ? []
      : authorityInfoAccessExtension(input.authorityInfoAccess)),
  ];

  const subjectKeyId = subjectKeyIdentifier(input.publicKeySpki);
  const signer = resolveSigner(input, subjectKeyId);
  checkSignatureAlgorithm(input.signatureAlgorithm, signer.keyAlgorithm);

  const subjectName = subjectToName(input.subject);
  const extensions = [
    ...(input.ca
      ? caExtensions(input.ca.maxPathLength)
      : leafExtensions(keyUsages, extendedKeyUsages)),
    ...constraintExtensions,
    subjectKeyIdentifierExtension(subjectKeyId),
    authorityKeyIdentifierExtension(signer.authorityKeyId),
    ...(altNames.length > 0
      ? [subjectAltNameExtension(altNames, subjectIsEmpty(input.subject))]
      : []),
    ...revocationExtensions,
  ];
  const tbs = encodeTbsCertificate({
    serialNumber: input.serialNumber,
    signatureAlgorithm: input.signatureAlgorithm,
    issuerName: signer.issuerName ?? subjectName,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    subjectName,
    publicKeySpki: input.publicKeySpki,
    extensions,
  });
  const der = await signStructure({
    tbs,
    key: signer.key,
    signatureAlgorithm: input.signatureAlgorithm,
  });
  return encodePem("CERTIFICATE", der);
}
