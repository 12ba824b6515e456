import {
  type KeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureAlgorithmFits,
} from "./algorithms";
import { decodeAltNames, validateAltName } from "./alt-names";
import { type RawExtension, readExtensions } from "./certificate-parts";
import {
  bitStringBytes,
  children,
  DerError,
  decodeOid,
  encodeElement,
  encodeOid,
  encodeSequence,
  readOnly,
  TAG,
} from "./der";
import { PkiError, toPkiError } from "./errors";
import {
  caExtensions,
  decodeExtendedKeyUsage,
  decodeKeyUsage,
  EXTENSION_OIDS,
  findExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions";
import { subjectKeyIdentifier } from "./key-identifier";
import { keyAlgorithmOfSpki, parsePrivateKey, privateKeyMatchesPublicKey } from "./keys";
import {
  rdnsToString,
  rdnsToSubject,
  readName,
  type SubjectInput,
  subjectIsEmpty,
  subjectToName,
  validateSubject,
} from "./names";
import { decodePem, encodePem } from "./pem";
import { verifySignature } from "./signature";
import { checkExternalKey } from "./signer";
import { type ExternalSigningKey, type SigningKey, signStructure } from "./signing-key";
import type { AltName, ExtendedKeyUsage, KeyUsage } from "./usages";

export type CsrInput = {
  subject: SubjectInput;
  publicKeySpki: Buffer;
  keyAlgorithm: KeyAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  /** Present: request a CA certificate. maxPathLength -1 means no pathLen constraint. */
  ca?: { maxPathLength: number };
  altNames?: AltName[];
} & ({ privateKeyPkcs8: Buffer } | { externalKey: ExternalSigningKey });

const ATTRIBUTES_TAG = 0xa0;
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

function csrSigningKey(input: CsrInput): SigningKey {
  if ("externalKey" in input) {
    checkExternalKey(input.externalKey, input.keyAlgorithm, input.publicKeySpki, "externalKey");
    return input.externalKey;
  }
  if (!privateKeyMatchesPublicKey(input.privateKeyPkcs8, input.publicKeySpki)) {
    throw new PkiError("the private key does not match publicKeySpki", "privateKeyPkcs8");
  }
  return parsePrivateKey(input.privateKeyPkcs8, "privateKeyPkcs8");
}

/**
 * A PKCS#10 request ("CERTIFICATE REQUEST" PEM) signed with the subject's key. With `ca`, its
 * extensionRequest asks for BasicConstraints CA:TRUE (+pathLen) and KeyUsage
 * keyCertSign|cRLSign|digitalSignature, both critical, and carries the SKI; with altNames, a
 * SAN (critical when the subject is empty). Throws PkiError naming the field for bad input.
 */
export async function createCsr(input: CsrInput): Promise<string> {
  validateSubject(input.subject);
  const altNames = input.altNames ?? [];
  for (const altName of altNames) {
    const problem = validateAltName(altName);
    if (problem) throw new PkiError(problem, "altNames");
  }
  const subjectEmpty = subjectIsEmpty(input.subject);
  if (subjectEmpty && (input.ca || altNames.length === 0)) {
    throw new PkiError(
      input.ca
        ? "a CA certificate request needs a subject"
        : "the request needs a subject attribute or an alternative name",
      "subject",
    );
  }
  if (!SIGNATURE_ALGORITHMS.includes(input.signatureAlgorithm)) {
    throw new PkiError(
      `unknown signature algorithm "${input.signatureAlgorithm}"`,
      "signatureAlgorithm",
    );
  }
  if (!signatureAlgorithmFits(input.signatureAlgorithm, input.keyAlgorithm)) {
    throw new PkiError(
      `signature algorithm ${input.signatureAlgorithm} does not fit a ${input.keyAlgorithm} key`,
      "signatureAlgorithm",
    );
  }
  const actual = keyAlgorithmOfSpki(input.publicKeySpki, "publicKeySpki");
  if (actual !== input.keyAlgorithm) {
    throw new PkiError(`the key is ${actual}, not ${input.keyAlgorithm}`, "keyAlgorithm");
  }
  const key = csrSigningKey(input);

  const extensions: Buffer[] = [];
  if (input.ca) {
    extensions.push(
      ...caExtensions(input.ca.maxPathLength),
      subjectKeyIdentifierExtension(subjectKeyIdentifier(input.publicKeySpki)),
    );
  }
  if (altNames.length > 0) extensions.push(subjectAltNameExtension(altNames, subjectEmpty));

  // RFC 2986: attributes [0] IMPLICIT SET OF Attribute, here at most the extensionRequest.
  const attributes =
    extensions.length === 0
      ? []
      : [
          encodeSequence([
            encodeOid(EXTENSION_REQUEST),
            encodeElement(TAG.set, encodeSequence(extensions)),
          ]),
        ];
  const info = encodeSequence([
    encodeElement(TAG.integer, Buffer.from([0])),
    subjectToName(input.subject),
    input.publicKeySpki,
    encodeElement(ATTRIBUTES_TAG, Buffer.concat(attributes)),
  ]);
  // The signed SEQUENCE { info, algorithm, BIT STRING } is the same shape as a certificate's.
  const der = await signStructure({ tbs: info, key, signatureAlgorithm: input.signatureAlgorithm });
  return encodePem("CERTIFICATE REQUEST", der);
}

export interface ParsedCsr {
  subject: SubjectInput;
  subjectString: string;
  publicKeySpki: Buffer;
  keyAlgorithm: KeyAlgorithm;
  altNames: AltName[];
  keyUsages: KeyUsage[];
  extendedKeyUsages: ExtendedKeyUsage[];
}

interface CsrParts {
  info: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: RawExtension[];
  signatureAlgorithm: Buffer;
  signature: Buffer;
}

function readCsr(der: Buffer): CsrParts {
  const [info, signatureAlgorithm, signature, ...extra] = children(readOnly(der, TAG.sequence));
  if (!info || !signatureAlgorithm || !signature || extra.length > 0 || info.tag !== TAG.sequence) {
    throw new DerError("not a PKCS#10 CertificationRequest structure");
  }
  const [version, subject, spki, attributes, ...rest] = children(info);
  if (
    version?.tag !== TAG.integer ||
    !version.content.equals(Buffer.from([0])) ||
    subject?.tag !== TAG.sequence ||
    spki?.tag !== TAG.sequence ||
    (attributes !== undefined && attributes.tag !== ATTRIBUTES_TAG) ||
    rest.length > 0
  ) {
    throw new DerError("malformed CertificationRequestInfo");
  }
  const extensions: RawExtension[] = [];
  for (const attribute of attributes ? children(attributes) : []) {
    const [type, values] = children(attribute);
    if (!type || values?.tag !== TAG.set) throw new DerError("malformed CSR attribute");
    if (decodeOid(type) !== EXTENSION_REQUEST) continue;
    for (const value of children(values)) extensions.push(...readExtensions(value));
  }
  return {
    info: info.raw,
    subject: subject.raw,
    spki: spki.raw,
    extensions,
    signatureAlgorithm: signatureAlgorithm.raw,
    signature: bitStringBytes(signature),
  };
}

function parseCsrDer(der: Buffer): ParsedCsr {
  const parts = readCsr(der);
  if (
    !verifySignature({
      algorithmIdentifier: parts.signatureAlgorithm,
      data: parts.info,
      signature: parts.signature,
      spki: parts.spki,
    })
  ) {
    throw new PkiError("its signature does not verify with its own public key");
  }
  const keyAlgorithm = keyAlgorithmOfSpki(parts.spki);
  const rdns = readName(parts.subject);
  const subject = rdnsToSubject(rdns, true);
  validateSubject(subject);

  const extension = (oid: string) => findExtension(parts.extensions, oid)?.value;
  const altNamesValue = extension(EXTENSION_OIDS.subjectAltName);
  const { altNames, unsupported } = altNamesValue
    ? decodeAltNames(altNamesValue)
    : { altNames: [], unsupported: [] };
  if (unsupported.length > 0) {
    throw new PkiError(`subjectAltName of type ${unsupported.join(", ")} is not supported`);
  }
  for (const altName of altNames) {
    const problem = validateAltName(altName);
    if (problem) throw new PkiError(`subjectAltName: ${problem}`);
  }
  const keyUsageValue = extension(EXTENSION_OIDS.keyUsage);
  const extendedKeyUsageValue = extension(EXTENSION_OIDS.extendedKeyUsage);
  return {
    subject,
    subjectString: rdnsToString(rdns),
    publicKeySpki: Buffer.from(parts.spki),
    keyAlgorithm,
    altNames,
    keyUsages: keyUsageValue ? decodeKeyUsage(keyUsageValue) : [],
    extendedKeyUsages: extendedKeyUsageValue ? decodeExtendedKeyUsage(extendedKeyUsageValue) : [],
  };
}

/**
 * Parses and checks a PKCS#10 PEM. Throws PkiError(field "csr") when it is unparsable, its
 * self-signature does not verify, its key is unsupported, its subject has attributes other
 * than CN/O/OU/C/ST/L, repeats one or breaks validateSubject's rules, or its SAN holds names
 * certq cannot represent or invalid ones. EKUs outside certq's vocabulary are dropped.
 */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const der = decodePem(pem, "CERTIFICATE REQUEST", "csr");
  try {
    return parseCsrDer(der);
  } catch (error) {
    throw toPkiError("csr", "invalid certificate request", error);
  }
}
