import { ipFromBytes, ipToBytes } from "@certq/pki";
import { matchesIpPattern } from "../policy/ip-range";

/** Ranges an outbound request never reaches unless allowlisted; the first match names why. */
const REFUSED_RANGES: readonly [range: string, reason: string][] = [
  // Cloud metadata services first, so the reason names them rather than their wider range.
  ["169.254.169.254/32", "cloud metadata address"],
  ["168.63.129.16/32", "cloud metadata address"],
  ["fd00:ec2::254/128", "cloud metadata address"],
  ["0.0.0.0/8", "unspecified address"],
  ["10.0.0.0/8", "private address"],
  ["100.64.0.0/10", "carrier-grade NAT address"],
  ["127.0.0.0/8", "loopback address"],
  ["169.254.0.0/16", "link-local address"],
  ["172.16.0.0/12", "private address"],
  ["192.0.0.0/24", "reserved address"],
  ["192.0.2.0/24", "documentation address"],
  ["192.88.99.0/24", "reserved address"],
  ["192.168.0.0/16", "private address"],
  ["198.18.0.0/15", "benchmarking address"],
  ["198.51.100.0/24", "documentation address"],
  ["203.0.113.0/24", "documentation address"],
  ["224.0.0.0/4", "multicast address"],
  ["255.255.255.255/32", "broadcast address"],
  ["240.0.0.0/4", "reserved address"],
  ["::/128", "unspecified address"],
  ["::1/128", "loopback address"],
  ["::/96", "reserved address"],
  ["64:ff9b:1::/48", "private address"],
  ["100::/64", "reserved address"],
  ["2001::/23", "reserved address"],
  ["2001:db8::/32", "documentation address"],
  ["fc00::/7", "private address"],
  ["fe80::/10", "link-local address"],
  ["fec0::/10", "private address"],
  ["ff00::/8", "multicast address"],
];

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that the network would
 * reach: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
export function embeddedIpv4(address: string): string | undefined {
  const bytes = ipToBytes(address);
  if (bytes?.length !== 16) return undefined;
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  const mapped = zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff;
  const nat64 = bytes.readUInt32BE(0) === 0x0064ff9b && zeros(4, 12);
  if (mapped || nat64) return ipFromBytes(bytes.subarray(12)) ?? undefined;
  if (bytes.readUInt16BE(0) === 0x2002) return ipFromBytes(bytes.subarray(2, 6)) ?? undefined;
  return undefined;
}

/**
 * Why an outbound connection to this IP address is refused by default (loopback, private,
 * link-local, metadata, ...), or undefined for a public address. An IPv6 form of an IPv4
 * address is judged by the IPv4 address it reaches.
 */
export function refusedAddressClass(address: string): string | undefined {
  if (!ipToBytes(address)) return "not an IP address";
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) return refusedAddressClass(v4);
  return REFUSED_RANGES.find(([range]) => matchesIpPattern(address, range))?.[1];
}
