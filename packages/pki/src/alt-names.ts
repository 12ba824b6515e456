import { isIP } from "node:net";
import { children, encodeElement, readOnly, TAG } from "./der";
import { PkiError } from "./errors";
import { ipFromBytes, ipToBytes } from "./ip-address";
import type { AltName, AltNameType } from "./usages";

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_HOSTNAME_LENGTH = 253;
// rfc822Name and uniformResourceIdentifier are IA5Strings: printable ASCII, no spaces.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

function isHostname(value: string): boolean {
  return (
    value.length <= MAX_HOSTNAME_LENGTH &&
    value.split(".").every((label) => LABEL.test(label)) &&
    isIP(value) === 0
  );
}

function isDnsName(value: string): boolean {
  return isHostname(value.startsWith("*.") ? value.slice(2) : value);
}

function isEmail(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at <= 0) return false;
  const local = value.slice(0, at);
  return (
    local.length <= 64 &&
    PRINTABLE_ASCII.test(local) &&
    !local.includes("@") &&
    isHostname(value.slice(at + 1))
  );
}

function isUri(value: string): boolean {
  if (!PRINTABLE_ASCII.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const CHECKS: Record<AltNameType, { describe: string; valid: (value: string) => boolean }> = {
  dns_name: { describe: "DNS name", valid: isDnsName },
  ip_address: { describe: "IP address", valid: (value) => ipToBytes(value) !== null },
  email: { describe: "email address", valid: isEmail },
  uri: { describe: "URI", valid: isUri },
};

/**
 * Null when the alternative name is valid, else a message naming the value. dns_name: an
 * RFC 1123 hostname, optionally with a leading "*." wildcard label (not an IP address);
 * ip_address: IPv4 or IPv6 without a zone; email: local@hostname in ASCII; uri: an absolute
 * URI with a scheme, ASCII, no whitespace.
 */
export function validateAltName(altName: AltName): string | null {
  const check = CHECKS[altName?.type];
  if (!check) return `unsupported alternative name type ${JSON.stringify(altName?.type)}`;
  if (typeof altName.value !== "string") return `${check.describe} must be a string`;
  return check.valid(altName.value)
    ? null
    : `invalid ${check.describe} ${JSON.stringify(altName.value)}`;
}

// GeneralName context tags (RFC 5280 4.2.1.6), all primitive and IMPLICIT.
const GENERAL_NAME_TAGS: Record<AltNameType, number> = {
  email: 0x81, // rfc822Name [1]
  dns_name: 0x82, // dNSName [2]
  uri: 0x86, // uniformResourceIdentifier [6]
  ip_address: 0x87, // iPAddress [7]
};

/** DER GeneralNames of valid alternative names; throws PkiError(altNames) for invalid ones. */
export function encodeAltNames(altNames: AltName[]): Buffer {
  const names = altNames.map((altName) => {
    const problem = validateAltName(altName);
    if (problem) throw new PkiError(problem, "altNames");
    const content =
      altName.type === "ip_address"
        ? (ipToBytes(altName.value) as Buffer)
        : Buffer.from(altName.value, "ascii");
    return encodeElement(GENERAL_NAME_TAGS[altName.type], content);
  });
  return encodeElement(TAG.sequence, Buffer.concat(names));
}

const GENERAL_NAME_KINDS: Record<number, string> = {
  160: "otherName",
  163: "x400Address",
  164: "directoryName",
  165: "ediPartyName",
  136: "registeredID",
};

/** The alternative names of a DER GeneralNames, and the kinds certq cannot represent. */
export function decodeAltNames(der: Buffer): { altNames: AltName[]; unsupported: string[] } {
  const altNames: AltName[] = [];
  const unsupported: string[] = [];
  for (const name of children(readOnly(der, TAG.sequence))) {
    const type = (Object.keys(GENERAL_NAME_TAGS) as AltNameType[]).find(
      (candidate) => GENERAL_NAME_TAGS[candidate] === name.tag,
    );
    const value =
      type === "ip_address"
        ? ipFromBytes(name.content)
        : type
          ? name.content.toString("latin1")
          : null;
    if (type && value !== null) altNames.push({ type, value });
    else unsupported.push(GENERAL_NAME_KINDS[name.tag] ?? `tag 0x${name.tag.toString(16)}`);
  }
  return { altNames, unsupported };
}
