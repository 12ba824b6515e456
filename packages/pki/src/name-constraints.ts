import { isIP } from "node:net";
import {
  children,
  contextTag,
  DerError,
  encodeElement,
  encodeSequence,
  readOnly,
  TAG,
} from "./der";
import { PkiError } from "./errors";
import { ipFromBytes, ipToBytes } from "./ip-address";

/** The subtrees of one side (permitted or excluded), per name type certq writes. */
export interface NameSubtrees {
  /** dNSName: `example.com` (it and every subdomain) or `.example.com` (subdomains only). */
  dns?: string[];
  /** iPAddress, as CIDR ranges: `10.0.0.0/8`, `2001:db8::/32`. */
  ip?: string[];
  /** rfc822Name: a mailbox `ops@example.com`, a host `example.com`, or a domain `.example.com`. */
  email?: string[];
}

/** RFC 5280 4.2.1.10 nameConstraints, as a CA is created or signed with them. */
export interface NameConstraintsInput {
  permitted?: NameSubtrees;
  excluded?: NameSubtrees;
}

export type NameSubtreeType = keyof NameSubtrees;
export const NAME_SUBTREE_TYPES = ["dns", "ip", "email"] as const satisfies NameSubtreeType[];

/** One side of a decoded nameConstraints: every list present (maybe empty). */
export interface DecodedSubtrees {
  dns: string[];
  ip: string[];
  email: string[];
  /** uniformResourceIdentifier bases, which certq reads but does not evaluate. */
  uri: string[];
  /**
   * Subtrees of other kinds, or that certq cannot read exactly: `directoryName`, `otherName`,
   * a base with minimum/maximum, an iPAddress with a non-contiguous mask, ...
   */
  other: string[];
}

/** A certificate's nameConstraints extension, decoded. */
export interface NameConstraints {
  critical: boolean;
  permitted: DecodedSubtrees;
  excluded: DecodedSubtrees;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_HOSTNAME_LENGTH = 253;
// Printable ASCII but '@' and '*': a mailbox is matched literally, and `*@` would read as a
// wildcard that RFC 5280 does not have.
const LOCAL_PART = /^[\x21-\x29\x2b-\x3f\x41-\x7e]{1,64}$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

function isHostname(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= MAX_HOSTNAME_LENGTH &&
    value.split(".").every((label) => LABEL.test(label)) &&
    isIP(value) === 0
  );
}

/** The 4 or 16 address octets and the prefix length of a CIDR, or a reason it is not one. */
function parseCidr(value: string): { address: Buffer; prefix: number } | string {
  const [text = "", prefixText, ...extra] = value.split("/");
  const address = ipToBytes(text);
  if (!address || prefixText === undefined || extra.length > 0) {
    return `'${value}' is not a CIDR range like 10.0.0.0/8 or 2001:db8::/32`;
  }
  const width = address.length * 8;
  const prefix = PREFIX.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix <= width)) return `'${value}' has a prefix length outside 0-${width}`;
  const mask = prefixMask(prefix, address.length);
  if (address.some((byte, i) => (byte & ~(mask[i] as number) & 0xff) !== 0)) {
    return `'${value}' sets bits beyond its /${prefix} prefix; write the network address`;
  }
  return { address, prefix };
}

function prefixMask(prefix: number, length: number): Buffer {
  const mask = Buffer.alloc(length);
  for (let bit = 0; bit < prefix; bit++)
    mask[bit >> 3] = (mask[bit >> 3] as number) | (0x80 >> (bit & 7));
  return mask;
}

/**
 * Why a subtree base is not one certq writes, or null. dns: a hostname, optionally with a
 * leading `.`; ip: a CIDR range with no host bits set; email: `local@host`, `host` or `.host`.
 */
export function nameSubtreeProblem(type: NameSubtreeType, value: string): string | null {
  if (typeof value !== "string") return "must be a string";
  switch (type) {
    case "dns": {
      const host = value.startsWith(".") ? value.slice(1) : value;
      return isHostname(host)
        ? null
        : `'${value}' is not a DNS name like example.com or .example.com`;
    }
    case "ip": {
      const cidr = parseCidr(value);
      return typeof cidr === "string" ? cidr : null;
    }
    case "email": {
      const at = value.lastIndexOf("@");
      const valid =
        at < 0
          ? isHostname(value.startsWith(".") ? value.slice(1) : value)
          : LOCAL_PART.test(value.slice(0, at)) && isHostname(value.slice(at + 1));
      return valid
        ? null
        : `'${value}' is not an email constraint like ops@example.com, example.com or .example.com`;
    }
    default:
      return `unknown name type ${JSON.stringify(type)}`;
  }
}

// GeneralName tags (RFC 5280 4.2.1.6): primitive IMPLICIT strings, constructed CHOICEs.
const BASE_TAG = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;
const OTHER_KINDS: Record<number, string> = {
  160: "otherName", // [0] constructed
  163: "x400Address", // [3]
  164: "directoryName", // [4]
  165: "ediPartyName", // [5]
  136: "registeredID", // [8] primitive
};
const MINIMUM_TAG = 0x80;
const MAXIMUM_TAG = 0x81;

function subtreeBase(type: NameSubtreeType, value: string, field: string): Buffer {
  const problem = nameSubtreeProblem(type, value);
  if (problem) throw new PkiError(problem, field);
  if (type !== "ip") return encodeElement(BASE_TAG[type], Buffer.from(value, "ascii"));
  const { address, prefix } = parseCidr(value) as { address: Buffer; prefix: number };
  return encodeElement(BASE_TAG.ip, Buffer.concat([address, prefixMask(prefix, address.length)]));
}

function encodeSubtrees(side: NameSubtrees | undefined, field: string): Buffer[] {
  return NAME_SUBTREE_TYPES.flatMap((type) =>
    (side?.[type] ?? []).map((value, i) =>
      // GeneralSubtree { base }; minimum's DEFAULT 0 is left out, maximum is absent (RFC 5280).
      encodeSequence([subtreeBase(type, value, `${field}.${type}[${i}]`)]),
    ),
  );
}

/** Whether the constraints name at least one subtree (RFC 5280 forbids an empty extension). */
export function hasNameConstraints(input: NameConstraintsInput | undefined): boolean {
  return NAME_SUBTREE_TYPES.some(
    (type) => (input?.permitted?.[type]?.length ?? 0) + (input?.excluded?.[type]?.length ?? 0) > 0,
  );
}

/**
 * The DER NameConstraints value: permittedSubtrees [0] then excludedSubtrees [1], each in the
 * order dns, ip, email and, within a type, as given. Throws PkiError naming the bad value
 * (`nameConstraints.permitted.dns[0]`) or the empty input.
 */
export function encodeNameConstraints(input: NameConstraintsInput): Buffer {
  if (!hasNameConstraints(input)) {
    throw new PkiError("nameConstraints must name at least one subtree", "nameConstraints");
  }
  const permitted = encodeSubtrees(input.permitted, "nameConstraints.permitted");
  const excluded = encodeSubtrees(input.excluded, "nameConstraints.excluded");
  return encodeSequence([
    ...(permitted.length > 0 ? [encodeElement(contextTag(0), Buffer.concat(permitted))] : []),
    ...(excluded.length > 0 ? [encodeElement(contextTag(1), Buffer.concat(excluded))] : []),
  ]);
}

function emptySubtrees(): DecodedSubtrees {
  return { dns: [], ip: [], email: [], uri: [], other: [] };
}

/** `address/prefix` of an 8- or 32-octet iPAddress base, or null for a non-contiguous mask. */
function decodeIpBase(content: Buffer): string | null {
  if (content.length !== 8 && content.length !== 32) return null;
  const half = content.length / 2;
  const mask = content.subarray(half);
  let prefix = 0;
  while (prefix < half * 8 && ((mask[prefix >> 3] as number) & (0x80 >> (prefix & 7))) !== 0) {
    prefix++;
  }
  if (!mask.equals(prefixMask(prefix, half))) return null;
  // Verifiers compare under the mask, so bits past the prefix mean nothing: drop them.
  const network = Buffer.from(
    content.subarray(0, half).map((byte, i) => byte & (mask[i] as number)),
  );
  return `${ipFromBytes(network)}/${prefix}`;
}

function decodeSubtree(subtree: Buffer, into: DecodedSubtrees): void {
  const [base, ...rest] = children(readOnly(subtree, TAG.sequence));
  if (!base) throw new DerError("GeneralSubtree without a base");
  const bounded = rest.some(
    (item) =>
      item.tag === MAXIMUM_TAG ||
      (item.tag === MINIMUM_TAG && item.content.some((byte) => byte !== 0)),
  );
  const text = base.content.toString("latin1");
  if (bounded) {
    into.other.push(
      `${OTHER_KINDS[base.tag] ?? `tag 0x${base.tag.toString(16)}`} with minimum/maximum`,
    );
  } else if (base.tag === BASE_TAG.dns) {
    into.dns.push(text);
  } else if (base.tag === BASE_TAG.email) {
    into.email.push(text);
  } else if (base.tag === BASE_TAG.uri) {
    into.uri.push(text);
  } else if (base.tag === BASE_TAG.ip) {
    const cidr = decodeIpBase(base.content);
    if (cidr) into.ip.push(cidr);
    else
      into.other.push(
        `iPAddress ${base.content.toString("hex")} (not address and contiguous mask)`,
      );
  } else {
    into.other.push(OTHER_KINDS[base.tag] ?? `tag 0x${base.tag.toString(16)}`);
  }
}

/** Decodes a NameConstraints extension value (as written by certq, openssl or any other CA). */
export function decodeNameConstraints(value: Buffer, critical: boolean): NameConstraints {
  const decoded: NameConstraints = {
    critical,
    permitted: emptySubtrees(),
    excluded: emptySubtrees(),
  };
  for (const side of children(readOnly(value, TAG.sequence))) {
    const into =
      side.tag === contextTag(0)
        ? decoded.permitted
        : side.tag === contextTag(1)
          ? decoded.excluded
          : null;
    if (!into) throw new DerError("malformed nameConstraints");
    for (const subtree of children(side)) decodeSubtree(subtree.raw, into);
  }
  return decoded;
}

/** Constraints as given, in the form decodeNameConstraints reads them back (canonical IPs). */
export function canonicalNameConstraints(input: NameConstraintsInput): NameConstraints {
  return decodeNameConstraints(encodeNameConstraints(input), true);
}
