import {
  children,
  decodeOid,
  encodeElement,
  encodeOid,
  encodeSequence,
  readOnly,
  TAG,
} from "./der";
import { PkiError } from "./errors";

/** Subject attributes under the names Infisical's API uses. */
export interface SubjectInput {
  commonName?: string;
  organization?: string;
  ou?: string;
  country?: string;
  province?: string;
  locality?: string;
}
export type SubjectField = keyof SubjectInput;

interface AttributeSpec {
  field: SubjectField;
  shortName: string;
  oid: string;
  maxLength: number;
}

// In encoding order, most significant first (C ... CN), as X.500 and OpenSSL order them.
// Maximum lengths are RFC 5280's ub-* upper bounds, in characters.
const SUBJECT_ATTRIBUTES: readonly AttributeSpec[] = [
  { field: "country", shortName: "C", oid: "2.5.4.6", maxLength: 2 },
  { field: "province", shortName: "ST", oid: "2.5.4.8", maxLength: 128 },
  { field: "locality", shortName: "L", oid: "2.5.4.7", maxLength: 128 },
  { field: "organization", shortName: "O", oid: "2.5.4.10", maxLength: 64 },
  { field: "ou", shortName: "OU", oid: "2.5.4.11", maxLength: 64 },
  { field: "commonName", shortName: "CN", oid: "2.5.4.3", maxLength: 64 },
];

// Display names for attributes outside SubjectInput that real-world certificates carry.
const OTHER_SHORT_NAMES: Record<string, string> = {
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.9": "STREET",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

const CONTROL_CHARACTER = /\p{Cc}/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const COUNTRY = /^[A-Za-z]{2}$/;

function presentValue(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/** The subject's non-empty attributes in encoding order. */
function subjectAttributes(subject: SubjectInput): { spec: AttributeSpec; value: string }[] {
  return SUBJECT_ATTRIBUTES.filter((spec) => presentValue(subject[spec.field])).map((spec) => ({
    spec,
    value: subject[spec.field] as string,
  }));
}

/** True when no subject attribute is set (such a certificate needs a critical SAN). */
export function subjectIsEmpty(subject: SubjectInput): boolean {
  return subjectAttributes(subject).length === 0;
}

/**
 * Checks each attribute: a string without control characters or broken UTF-16, not blank,
 * within RFC 5280's length bound; country exactly two letters (an ISO 3166 code, encoded as
 * PrintableString). Empty or undefined attributes are simply absent. Throws PkiError naming
 * the field.
 */
export function validateSubject(subject: SubjectInput): void {
  if (typeof subject !== "object" || subject === null) {
    throw new PkiError("subject must be an object", "subject");
  }
  for (const { spec, value } of subjectAttributes(subject)) {
    const { field } = spec;
    if (typeof value !== "string") throw new PkiError(`${field} must be a string`, field);
    if (CONTROL_CHARACTER.test(value)) {
      throw new PkiError(`${field} must not contain control characters`, field);
    }
    if (LONE_SURROGATE.test(value)) throw new PkiError(`${field} is not valid Unicode`, field);
    if (value.trim() === "") throw new PkiError(`${field} must not be blank`, field);
    if (field === "country" && !COUNTRY.test(value)) {
      throw new PkiError(`country must be a two-letter ISO 3166 code, got "${value}"`, field);
    }
    const length = [...value].length;
    if (length > spec.maxLength) {
      throw new PkiError(
        `${field} must be at most ${spec.maxLength} characters (RFC 5280), got ${length}`,
        field,
      );
    }
  }
}

const ATTRIBUTE_TYPE_DER = new Map(
  SUBJECT_ATTRIBUTES.map((spec) => [spec.field, encodeOid(spec.oid)]),
);
const PRINTABLE_STRING = 0x13;
const UTF8_STRING = 0x0c;

/**
 * The subject as a DER Name built attribute by attribute: no value is ever parsed as DN text,
 * so "a, O=evil" or "x+OU=y" stays one literal CN. One attribute per RDN; country as
 * PrintableString, everything else UTF8String (RFC 5280 4.1.2.6).
 */
export function subjectToName(subject: SubjectInput): Buffer {
  validateSubject(subject);
  const rdns = subjectAttributes(subject).map(({ spec, value }) => {
    const type = ATTRIBUTE_TYPE_DER.get(spec.field) as Buffer;
    const encoded =
      spec.field === "country"
        ? encodeElement(PRINTABLE_STRING, Buffer.from(value, "ascii"))
        : encodeElement(UTF8_STRING, Buffer.from(value, "utf8"));
    return encodeElement(TAG.set, encodeSequence([type, encoded]));
  });
  return encodeSequence(rdns);
}

/** RFC 4514 escaping of one attribute value; control characters become \XX escapes. */
export function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars
    .map((char, index) => {
      if ('\\"+,;<>'.includes(char)) return `\\${char}`;
      if (char === "#" && index === 0) return "\\#";
      if (char === " " && (index === 0 || index === chars.length - 1)) return "\\ ";
      if (CONTROL_CHARACTER.test(char)) {
        return [...Buffer.from(char, "utf8")]
          .map((byte) => `\\${byte.toString(16).padStart(2, "0").toUpperCase()}`)
          .join("");
      }
      return char;
    })
    .join("");
}

/** Display form, most specific first as RFC 4514 orders it: "CN=example.com, O=Acme, C=US". */
export function subjectToString(subject: SubjectInput): string {
  return subjectAttributes(subject)
    .reverse()
    .map(({ spec, value }) => `${spec.shortName}=${escapeDnValue(String(value))}`)
    .join(", ");
}

/** One attribute of a DER Name. `value` is null when it is not a character string. */
export interface DnAttribute {
  oid: string;
  value: string | null;
  /** The value's DER (tag, length, content). */
  valueDer: Buffer;
}

function utf32be(bytes: Buffer): string {
  if (bytes.length % 4 !== 0) throw new PkiError("malformed UniversalString");
  let text = "";
  for (let i = 0; i < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
  return text;
}

function decodeDirectoryString(tag: number, bytes: Buffer): string | null {
  switch (tag) {
    case 0x0c: // UTF8String
      return bytes.toString("utf8");
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // TeletexString: read as Latin-1, as OpenSSL displays it
      return bytes.toString("latin1");
    case 0x1e: // BMPString
      if (bytes.length % 2 !== 0) throw new PkiError("malformed BMPString");
      return Buffer.from(bytes).swap16().toString("utf16le");
    case 0x1c: // UniversalString
      return utf32be(bytes);
    default:
      return null;
  }
}

/** The RDNs of a DER Name, each a list of attributes, in encoding order. */
export function readName(der: Buffer): DnAttribute[][] {
  return children(readOnly(der, TAG.sequence)).map((rdn) => {
    if (rdn.tag !== TAG.set) throw new PkiError("malformed Name: RDN is not a SET");
    const attributes = children(rdn).map((attribute) => {
      const [type, value, ...rest] = children(attribute);
      if (attribute.tag !== TAG.sequence || !type || !value || rest.length > 0) {
        throw new PkiError("malformed Name: bad AttributeTypeAndValue");
      }
      return {
        oid: decodeOid(type),
        value: decodeDirectoryString(value.tag, value.content),
        valueDer: value.raw,
      };
    });
    if (attributes.length === 0) throw new PkiError("malformed Name: empty RDN");
    return attributes;
  });
}

function attributeTypeName(oid: string): string {
  return (
    SUBJECT_ATTRIBUTES.find((spec) => spec.oid === oid)?.shortName ?? OTHER_SHORT_NAMES[oid] ?? oid
  );
}

/** RFC 4514 display of a parsed Name, most specific RDN first. */
export function rdnsToString(rdns: DnAttribute[][]): string {
  return [...rdns]
    .reverse()
    .map((rdn) =>
      rdn
        .map(({ oid, value, valueDer }) => {
          const shown = value === null ? `#${valueDer.toString("hex")}` : escapeDnValue(value);
          return `${attributeTypeName(oid)}=${shown}`;
        })
        .join("+"),
    )
    .join(", ");
}

/**
 * The SubjectInput view of a parsed Name. Lenient (for certificates from anywhere): other
 * attributes are ignored and the first of a repeated one wins. Strict (for CSRs, whose subject
 * certq copies into a certificate): any other attribute, repeat or non-string value throws.
 */
export function rdnsToSubject(rdns: DnAttribute[][], strict: boolean): SubjectInput {
  const subject: SubjectInput = {};
  for (const { oid, value } of rdns.flat()) {
    const spec = SUBJECT_ATTRIBUTES.find((candidate) => candidate.oid === oid);
    if (!spec) {
      if (strict) {
        throw new PkiError(
          `subject attribute ${attributeTypeName(oid)} is not supported (only CN, O, OU, C, ST, L)`,
        );
      }
      continue;
    }
    if (subject[spec.field] !== undefined) {
      if (strict) throw new PkiError(`subject attribute ${spec.shortName} appears more than once`);
      continue;
    }
    if (value === null) {
      if (strict) throw new PkiError(`subject attribute ${spec.shortName} is not a string`);
      continue;
    }
    subject[spec.field] = value;
  }
  return subject;
}

function canonicalName(der: Buffer): string {
  const rdns = readName(der).map((rdn) =>
    rdn
      .map(({ oid, value, valueDer }) => {
        const canonical =
          value === null
            ? `#${valueDer.toString("hex")}`
            : value.normalize("NFKC").toLowerCase().trim().replace(/\s+/g, " ");
        return JSON.stringify([oid, canonical]);
      })
      .sort()
      .join("+"),
  );
  return rdns.join(",");
}

/**
 * Whether two DER Names are the same name: byte-equal, or equal after RFC 5280 7.1's
 * normalisation (case, surrounding and repeated spaces, string type, attribute order
 * within an RDN), so chains built by other CAs match as OpenSSL would match them.
 */
export function namesMatch(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return canonicalName(a) === canonicalName(b);
  } catch {
    return false;
  }
}
