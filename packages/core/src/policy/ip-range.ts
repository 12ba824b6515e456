import { ipToBytes } from "@certq/pki";

type Family = 4 | 6;

interface IpRange {
  family: Family;
  network: bigint;
  prefix: number;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };
const PREFIX = /^(0|[1-9]\d{0,2})$/;

// One IP parser in the codebase: pki's, which certificates' iPAddress entries use too. Zones
// (fe80::1%eth0) have no meaning in a certificate, so they never parse.
function parseAddress(address: string): { family: Family; bits: bigint } | undefined {
  const bytes = ipToBytes(address);
  if (!bytes) return undefined;
  return { family: bytes.length === 4 ? 4 : 6, bits: BigInt(`0x${bytes.toString("hex")}`) };
}

function parseRange(pattern: string): IpRange | string {
  const [address = "", prefixText, ...extra] = pattern.split("/");
  const parsed = parseAddress(address);
  if (!parsed || extra.length > 0) {
    return `'${pattern}' is neither an IP address nor a CIDR range like 10.0.0.0/8 or 2001:db8::/32`;
  }
  const width = WIDTH[parsed.family];
  if (prefixText === undefined)
    return { family: parsed.family, network: parsed.bits, prefix: width };
  const prefix = PREFIX.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix <= width)) return `'${pattern}' has a prefix length outside 0-${width}`;
  const hostBits = (1n << BigInt(width - prefix)) - 1n;
  if ((parsed.bits & hostBits) !== 0n) {
    return `'${pattern}' sets bits beyond its /${prefix} prefix; write the network address`;
  }
  return { family: parsed.family, network: parsed.bits, prefix };
}

/** Why an IP pattern is malformed (not an address or CIDR, host bits set), or undefined. */
export function ipPatternProblem(pattern: string): string | undefined {
  const range = parseRange(pattern);
  return typeof range === "string" ? range : undefined;
}

/**
 * Whether an IP address lies in a pattern: a CIDR range or a single address. Families never
 * mix: an IPv4 address matches only IPv4 patterns, and an IPv6 address (IPv4-mapped
 * `::ffff:10.0.0.1` included, since a certificate carries its 16 bytes) only IPv6 patterns.
 */
export function matchesIpPattern(address: string, pattern: string): boolean {
  const parsed = parseAddress(address);
  const range = parseRange(pattern);
  if (!parsed || typeof range === "string" || parsed.family !== range.family) return false;
  const shift = BigInt(WIDTH[range.family] - range.prefix);
  return parsed.bits >> shift === range.network >> shift;
}
