import { isIP } from "node:net";

// Hand-rolled rather than @peculiar/asn1-x509's IpConverter, which silently mis-encodes
// IPv6 addresses with an embedded IPv4 tail ("::ffff:192.0.2.1").

/** The 4 or 16 octets of an IPv4 or IPv6 address, or null when `text` is neither. */
export function ipToBytes(text: string): Buffer | null {
  if (text.includes("%")) return null; // zone IDs mean nothing outside the host
  const version = isIP(text);
  if (version === 4) return Buffer.from(text.split(".").map(Number));
  if (version !== 6) return null;

  let address = text;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(":");
  if (address.includes(".", lastColon)) {
    tail.push(
      ...address
        .slice(lastColon + 1)
        .split(".")
        .map(Number),
    );
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill("0"), ...right];
  const bytes = Buffer.alloc(16);
  for (const [index, group] of groups.entries()) {
    bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2);
  }
  if (tail.length === 4) Buffer.from(tail).copy(bytes, 12);
  return bytes;
}

/** Dotted IPv4, or RFC 5952 canonical IPv6; null for any other length. */
export function ipFromBytes(bytes: Buffer): string | null {
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.length !== 16) return null;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952 5: IPv4-mapped addresses keep their dotted tail.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  }
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
