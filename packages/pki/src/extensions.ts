import { encodeAltNames, validateAltName } from "./alt-names";
import type { RawExtension } from "./certificate-parts";
import {
  children,
  contextTag,
  DerError,
  decodeOid,
  encodeElement,
  encodeOid,
  encodeSequence,
  readOnly,
  TAG,
  unsignedIntegerContent,
} from "./der";
import { PkiError } from "./errors";
import { encodeNameConstraints, type NameConstraintsInput } from "./name-constraints";
import {
  type AltName,
  EXTENDED_KEY_USAGE_OIDS,
  EXTENDED_KEY_USAGES,
  type ExtendedKeyUsage,
  KEY_USAGES,
  type KeyUsage,
} from "./usages";

export const EXTENSION_OIDS = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extendedKeyUsage: "2.5.29.37",
  crlDistributionPoints: "2.5.29.31",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  crlNumber: "2.5.29.20",
  reasonCode: "2.5.29.21",
  nameConstraints: "2.5.29.30",
} as const;

// Every extension is built here as DER: x509's extension classes cost about a quarter of a
// millisecond apiece, ten times an EC signature.

const OID_DER = Object.fromEntries(
  Object.entries(EXTENSION_OIDS).map(([name, oid]) => [name, encodeOid(oid)]),
) as Record<keyof typeof EXTENSION_OIDS, Buffer>;
const EXTENDED_KEY_USAGE_DER = Object.fromEntries(
  EXTENDED_KEY_USAGES.map((usage) => [usage, encodeOid(EXTENDED_KEY_USAGE_OIDS[usage])]),
) as Record<ExtendedKeyUsage, Buffer>;
const ACCESS_METHOD_DER = {
  ocsp: encodeOid("1.3.6.1.5.5.7.48.1"),
  caIssuers: encodeOid("1.3.6.1.5.5.7.48.2"),
};
const CRITICAL = encodeElement(TAG.boolean, Buffer.from([0xff]));
const URI_TAG = 0x86; // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String
const KEY_IDENTIFIER_TAG = 0x80; // AuthorityKeyIdentifier keyIdentifier [0] IMPLICIT

function extension(oid: Buffer, critical: boolean, value: Buffer): Buffer {
  return encodeSequence(
    critical
      ? [oid, CRITICAL, encodeElement(TAG.octetString, value)]
      : [oid, encodeElement(TAG.octetString, value)],
  );
}

/** A DER Extension; DER leaves critical out when it is the default FALSE. */
export function encodeExtension(oid: string, critical: boolean, value: Buffer): Buffer {
  return extension(encodeOid(oid), critical, value);
}

export function checkKeyUsages(usages: KeyUsage[], field: string): KeyUsage[] {
  for (const usage of usages) {
    if (!KEY_USAGES.includes(usage)) throw new PkiError(`unknown key usage "${usage}"`, field);
  }
  return [...new Set(usages)];
}

export function checkExtendedKeyUsages(
  usages: ExtendedKeyUsage[],
  field: string,
): ExtendedKeyUsage[] {
  for (const usage of usages) {
    if (!EXTENDED_KEY_USAGES.includes(usage)) {
      throw new PkiError(`unknown extended key usage "${usage}"`, field);
    }
  }
  return [...new Set(usages)];
}

/**
 * KeyUsage as a named BIT STRING (KEY_USAGES is in RFC 5280 bit order). X.690 11.2.2: DER
 * drops trailing zero bits, and the first octet counts the unused bits of the last.
 */
function keyUsageValue(usages: readonly KeyUsage[]): Buffer {
  const bits = usages.map((usage) => KEY_USAGES.indexOf(usage));
  const last = Math.max(...bits);
  const octets = Buffer.alloc(1 + (last >> 3) + 1);
  octets[0] = 7 - (last & 7);
  for (const bit of bits)
    octets[1 + (bit >> 3)] = (octets[1 + (bit >> 3)] as number) | (0x80 >> (bit & 7));
  return encodeElement(TAG.bitString, octets);
}

function keyUsageExtension(usages: readonly KeyUsage[]): Buffer {
  return extension(OID_DER.keyUsage, true, keyUsageValue(usages));
}

// CA:FALSE is BasicConstraints' default, so DER writes it as an empty SEQUENCE.
const LEAF_BASIC_CONSTRAINTS = extension(OID_DER.basicConstraints, true, encodeSequence([]));
const CA_KEY_USAGE = keyUsageExtension(["key_cert_sign", "crl_sign", "digital_signature"]);

/** BasicConstraints CA:TRUE and KeyUsage keyCertSign|cRLSign|digitalSignature, both critical. */
export function caExtensions(maxPathLength: number): Buffer[] {
  if (!Number.isInteger(maxPathLength) || maxPathLength < -1) {
    throw new PkiError("maxPathLength must be an integer >= 0, or -1 for no limit", "ca");
  }
  const pathLength =
    maxPathLength >= 0
      ? [encodeElement(TAG.integer, unsignedIntegerContent(BigInt(maxPathLength)))]
      : [];
  return [
    extension(OID_DER.basicConstraints, true, encodeSequence([CRITICAL, ...pathLength])),
    CA_KEY_USAGE,
  ];
}

/** BasicConstraints CA:FALSE (critical), KeyUsage (critical) and EKU when requested. */
export function leafExtensions(
  keyUsages: readonly KeyUsage[],
  extendedKeyUsages: readonly ExtendedKeyUsage[],
): Buffer[] {
  const extensions = [LEAF_BASIC_CONSTRAINTS];
  if (keyUsages.length > 0) extensions.push(keyUsageExtension(keyUsages));
  if (extendedKeyUsages.length > 0) {
    const oids = extendedKeyUsages.map((usage) => EXTENDED_KEY_USAGE_DER[usage]);
    extensions.push(extension(OID_DER.extendedKeyUsage, false, encodeSequence(oids)));
  }
  return extensions;
}

/** nameConstraints, critical: RFC 5280 4.2.1.10 says conforming CAs MUST mark it so. */
export function nameConstraintsExtension(input: NameConstraintsInput): Buffer {
  return extension(OID_DER.nameConstraints, true, encodeNameConstraints(input));
}

export function subjectKeyIdentifierExtension(keyId: Buffer): Buffer {
  return extension(OID_DER.subjectKeyIdentifier, false, encodeElement(TAG.octetString, keyId));
}

/** AKI with the keyIdentifier alone (no issuer name and serial, as RFC 5280 recommends). */
export function authorityKeyIdentifierExtension(keyId: Buffer): Buffer {
  return extension(
    OID_DER.authorityKeyIdentifier,
    false,
    encodeSequence([encodeElement(KEY_IDENTIFIER_TAG, keyId)]),
  );
}

/** SAN; RFC 5280 4.2.1.6 makes it critical when the subject is empty. */
export function subjectAltNameExtension(altNames: AltName[], subjectEmpty: boolean): Buffer {
  return extension(OID_DER.subjectAltName, subjectEmpty, encodeAltNames(altNames));
}

function checkUrl(url: string, field: string): void {
  const problem = validateAltName({ type: "uri", value: url });
  if (problem) throw new PkiError(problem, field);
}

function uri(url: string): Buffer {
  return encodeElement(URI_TAG, Buffer.from(url, "ascii"));
}

/** CRL Distribution Points (non-critical) with one distributionPoint whose fullName is `url`. */
export function crlDistributionPointsExtension(url: string): Buffer {
  checkUrl(url, "crlDistributionPointUrl");
  // DistributionPoint { distributionPoint [0] (a CHOICE, so constructed) { fullName [0]
  // IMPLICIT GeneralNames { uri } } }
  const fullName = encodeElement(contextTag(0), uri(url));
  const distributionPoint = encodeSequence([encodeElement(contextTag(0), fullName)]);
  return extension(OID_DER.crlDistributionPoints, false, encodeSequence([distributionPoint]));
}

/**
 * AIA (non-critical) with id-ad-ocsp and/or id-ad-caIssuers URIs, in that order (as x509 wrote
 * them before); none when both are absent.
 */
export function authorityInfoAccessExtension(access: {
  caIssuersUrl?: string;
  ocspUrl?: string;
}): Buffer[] {
  const { caIssuersUrl, ocspUrl } = access ?? {};
  if (caIssuersUrl === undefined && ocspUrl === undefined) return [];
  for (const url of [caIssuersUrl, ocspUrl]) {
    if (url !== undefined) checkUrl(url, "authorityInfoAccess");
  }
  const descriptions = [
    ...(ocspUrl === undefined ? [] : [encodeSequence([ACCESS_METHOD_DER.ocsp, uri(ocspUrl)])]),
    ...(caIssuersUrl === undefined
      ? []
      : [encodeSequence([ACCESS_METHOD_DER.caIssuers, uri(caIssuersUrl)])]),
  ];
  return [extension(OID_DER.authorityInfoAccess, false, encodeSequence(descriptions))];
}

/** CRL Number (non-critical, RFC 5280 5.2.3), DER. */
export function crlNumberExtension(crlNumber: bigint): Buffer {
  return extension(
    OID_DER.crlNumber,
    false,
    encodeElement(TAG.integer, unsignedIntegerContent(crlNumber)),
  );
}

/** A CRL entry's reasonCode (non-critical, RFC 5280 5.3.1): an ENUMERATED CRLReason, DER. */
export function reasonCodeExtension(code: number): Buffer {
  return extension(OID_DER.reasonCode, false, encodeElement(TAG.enumerated, Buffer.from([code])));
}

export function findExtension(extensions: RawExtension[], oid: string): RawExtension | undefined {
  const matches = extensions.filter((extension) => extension.oid === oid);
  if (matches.length > 1) throw new DerError(`extension ${oid} appears more than once`);
  return matches[0];
}

function smallInteger(content: Buffer): number {
  if (content.length === 0 || content.length > 6 || (content[0] as number) & 0x80) {
    throw new DerError("pathLenConstraint out of range");
  }
  return content.readUIntBE(0, content.length);
}

export function decodeBasicConstraints(value: Buffer): { ca: boolean; pathLength: number } {
  const items = children(readOnly(value, TAG.sequence));
  let ca = false;
  if (items[0]?.tag === TAG.boolean) ca = (items.shift()?.content[0] ?? 0) !== 0;
  const pathLength = items[0]?.tag === TAG.integer ? smallInteger(items[0].content) : -1;
  return { ca, pathLength };
}

export function decodeKeyUsage(value: Buffer): KeyUsage[] {
  const bits = readOnly(value, TAG.bitString).content.subarray(1);
  return KEY_USAGES.filter((_, bit) => ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
}

/** The EKUs certq knows by name; others are dropped, as no profile could grant them. */
export function decodeExtendedKeyUsage(value: Buffer): ExtendedKeyUsage[] {
  const oids = children(readOnly(value, TAG.sequence)).map(decodeOid);
  return EXTENDED_KEY_USAGES.filter((usage) => oids.includes(EXTENDED_KEY_USAGE_OIDS[usage]));
}

export function decodeSubjectKeyIdentifier(value: Buffer): Buffer {
  return readOnly(value, TAG.octetString).content;
}

export function decodeAuthorityKeyIdentifier(value: Buffer): Buffer | null {
  const keyId = children(readOnly(value, TAG.sequence)).find(
    (item) => item.tag === KEY_IDENTIFIER_TAG,
  );
  return keyId ? keyId.content : null;
}
