import {
  bitStringBytes,
  children,
  type DerElement,
  DerError,
  decodeOid,
  readOnly,
  TAG,
} from "./der";

/** An extension as it is encoded: OID, criticality and the DER inside extnValue. */
export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

/** The byte-exact pieces of a certificate that signatures and name matching rely on. */
export interface CertificateParts {
  der: Buffer;
  tbs: Buffer;
  /** Content octets of the serialNumber INTEGER. */
  serialNumber: Buffer;
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: RawExtension[];
  signatureAlgorithm: Buffer;
  signature: Buffer;
}

const VERSION_TAG = 0xa0;
const EXTENSIONS_TAG = 0xa3;

function take(items: DerElement[], what: string, tag?: number): DerElement {
  const item = items.shift();
  if (!item) throw new DerError(`certificate is missing its ${what}`);
  if (tag !== undefined && item.tag !== tag)
    throw new DerError(`certificate has a malformed ${what}`);
  return item;
}

/** Parses the DER Extensions SEQUENCE. */
export function readExtensions(extensions: DerElement): RawExtension[] {
  return children(extensions).map((extension) => {
    const [oid, second, third, ...rest] = children(extension);
    if (!oid || !second || rest.length > 0) throw new DerError("malformed extension");
    const critical = third !== undefined && second.tag === TAG.boolean && second.content[0] !== 0;
    const value = third ?? second;
    if (value.tag !== TAG.octetString) throw new DerError("malformed extension value");
    return { oid: decodeOid(oid), critical, value: value.content };
  });
}

export function readCertificate(der: Buffer): CertificateParts {
  const [tbs, signatureAlgorithm, signature, ...extra] = children(readOnly(der, TAG.sequence));
  if (!tbs || !signatureAlgorithm || !signature || extra.length > 0 || tbs.tag !== TAG.sequence) {
    throw new DerError("not an X.509 Certificate structure");
  }
  const fields = children(tbs);
  if (fields[0]?.tag === VERSION_TAG) fields.shift();
  const serialNumber = take(fields, "serial number", TAG.integer);
  take(fields, "signature algorithm", TAG.sequence);
  const issuer = take(fields, "issuer", TAG.sequence);
  take(fields, "validity", TAG.sequence);
  const subject = take(fields, "subject", TAG.sequence);
  const spki = take(fields, "public key", TAG.sequence);
  const extensionsField = fields.find((field) => field.tag === EXTENSIONS_TAG);
  const extensionsSequence = extensionsField ? children(extensionsField)[0] : undefined;
  return {
    der,
    tbs: tbs.raw,
    serialNumber: serialNumber.content,
    issuer: issuer.raw,
    subject: subject.raw,
    spki: spki.raw,
    extensions: extensionsSequence ? readExtensions(extensionsSequence) : [],
    signatureAlgorithm: signatureAlgorithm.raw,
    signature: bitStringBytes(signature),
  };
}
