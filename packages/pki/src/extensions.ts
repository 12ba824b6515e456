import { encodeAltNames, validateAltName } from "./alt-names";
import type { RawExtension } from "./certificate-parts";
import {
  children,
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
import {
  type AltName,
  EXTENDED_KEY_USAGE_OIDS,
  EXTENDED_KEY_USAGES,
  type ExtendedKeyUsage,
  KEY_USAGES,
  type KeyUsage,
} from "./usages";
import * as x509 from "./x509";

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
} as const;

// KEY_USAGES is in RFC 5280 bit order, and x509.KeyUsageFlags puts bit n at 1 << n.
function keyUsageFlags(usages: KeyUsage[]): number {
  return usages.reduce((flags, usage) => flags | (1 << KEY_USAGES.indexOf(usage)), 0);
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

/** BasicConstraints CA:TRUE and KeyUsage keyCertSign|cRLSign|digitalSignature, both critical. */
export function caExtensions(maxPathLength: number): x509.Extension[] {
  if (!Number.isInteger(maxPathLength) || maxPathLength < -1) {
    throw new PkiError("maxPathLength must be an integer >= 0, or -1 for no limit", "ca");
  }
  return [
    new x509.BasicConstraintsExtension(true, maxPathLength >= 0 ? maxPathLength : undefined, true),
    new x509.KeyUsagesExtension(
      keyUsageFlags(["key_cert_sign", "crl_sign", "digital_signature"]),
      true,
    ),
  ];
}

/** BasicConstraints CA:FALSE (critical), KeyUsage (critical) and EKU when requested. */
export function leafExtensions(keyUsages: KeyUsage[], extendedKeyUsages: ExtendedKeyUsage[]) {
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsages.length > 0) {
    extensions.push(new x509.KeyUsagesExtension(keyUsageFlags(keyUsages), true));
  }
  if (extendedKeyUsages.length > 0) {
    const oids = extendedKeyUsages.map((usage) => EXTENDED_KEY_USAGE_OIDS[usage]);
    extensions.push(new x509.ExtendedKeyUsageExtension(oids, false));
  }
  return extensions;
}

export function subjectKeyIdentifierExtension(keyId: Buffer): x509.Extension {
  return new x509.SubjectKeyIdentifierExtension(keyId.toString("hex"), false);
}

export function authorityKeyIdentifierExtension(keyId: Buffer): x509.Extension {
  return new x509.AuthorityKeyIdentifierExtension(keyId.toString("hex"), false);
}

/** SAN; RFC 5280 4.2.1.6 makes it critical when the subject is empty. */
export function subjectAltNameExtension(
  altNames: AltName[],
  subjectEmpty: boolean,
): x509.Extension {
  return new x509.Extension(EXTENSION_OIDS.subjectAltName, subjectEmpty, encodeAltNames(altNames));
}

function checkUrl(url: string, field: string): void {
  const problem = validateAltName({ type: "uri", value: url });
  if (problem) throw new PkiError(problem, field);
}

/** CRL Distribution Points (non-critical) with one distributionPoint whose fullName is `url`. */
export function crlDistributionPointsExtension(url: string): x509.Extension {
  checkUrl(url, "crlDistributionPointUrl");
  return new x509.CRLDistributionPointsExtension([url], false);
}

/** AIA (non-critical) with id-ad-caIssuers and/or id-ad-ocsp URIs; none when both are absent. */
export function authorityInfoAccessExtension(access: {
  caIssuersUrl?: string;
  ocspUrl?: string;
}): x509.Extension[] {
  const { caIssuersUrl, ocspUrl } = access ?? {};
  if (caIssuersUrl === undefined && ocspUrl === undefined) return [];
  for (const url of [caIssuersUrl, ocspUrl]) {
    if (url !== undefined) checkUrl(url, "authorityInfoAccess");
  }
  return [
    new x509.AuthorityInfoAccessExtension(
      {
        ...(caIssuersUrl === undefined ? {} : { caIssuers: caIssuersUrl }),
        ...(ocspUrl === undefined ? {} : { ocsp: ocspUrl }),
      },
      false,
    ),
  ];
}

/** A DER Extension built directly: x509.Extension costs a quarter millisecond apiece. */
export function encodeExtension(oid: string, critical: boolean, value: Buffer): Buffer {
  return encodeSequence([
    encodeOid(oid),
    ...(critical ? [encodeElement(TAG.boolean, Buffer.from([0xff]))] : []),
    encodeElement(TAG.octetString, value),
  ]);
}

/** CRL Number (non-critical, RFC 5280 5.2.3), DER. */
export function crlNumberExtension(crlNumber: bigint): Buffer {
  return encodeExtension(
    EXTENSION_OIDS.crlNumber,
    false,
    encodeElement(TAG.integer, unsignedIntegerContent(crlNumber)),
  );
}

/** A CRL entry's reasonCode (non-critical, RFC 5280 5.3.1): an ENUMERATED CRLReason, DER. */
export function reasonCodeExtension(code: number): Buffer {
  return encodeExtension(
    EXTENSION_OIDS.reasonCode,
    false,
    encodeElement(TAG.enumerated, Buffer.from([code])),
  );
}

/** The DER of an x509 extension, for structures assembled outside x509's generators. */
export function extensionDer(extension: x509.Extension): Buffer {
  return Buffer.from(extension.rawData);
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

const KEY_IDENTIFIER_TAG = 0x80;

export function decodeAuthorityKeyIdentifier(value: Buffer): Buffer | null {
  const keyId = children(readOnly(value, TAG.sequence)).find(
    (item) => item.tag === KEY_IDENTIFIER_TAG,
  );
  return keyId ? keyId.content : null;
}
