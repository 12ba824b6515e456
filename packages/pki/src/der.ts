// A minimal DER reader and writer. @peculiar/x509 re-encodes what it parses, so the exact
// bytes that signatures and name matching depend on (TBS, issuer, subject, SPKI) are read
// here instead; and its extension classes throw on SAN entries they do not model.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The tag of an EXPLICIT context-specific [n]: constructed, wrapping the inner element. */
export function contextTag(n: number): number {
  return 0xa0 | n;
}

export interface DerElement {
  tag: number;
  /** The whole element: tag, length and content. */
  raw: Buffer;
  content: Buffer;
}

export class DerError extends Error {
  override name = "DerError";
}

// Bounds the work a hostile input can cause; no certificate comes close.
const MAX_LENGTH_BYTES = 4;

export function readElement(buffer: Buffer, offset = 0): DerElement {
  if (offset + 2 > buffer.length) throw new DerError("truncated DER element");
  const tag = buffer[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high-tag-number DER elements are not supported");
  let length = buffer[offset + 1] as number;
  let headerLength = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError("indefinite length is not DER");
    if (count > MAX_LENGTH_BYTES) throw new DerError("DER length too large");
    if (offset + 2 + count > buffer.length) throw new DerError("truncated DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[offset + 2 + i] as number);
    headerLength += count;
  }
  const end = offset + headerLength + length;
  if (end > buffer.length) throw new DerError("truncated DER content");
  return {
    tag,
    raw: buffer.subarray(offset, end),
    content: buffer.subarray(offset + headerLength, end),
  };
}

/** Whether the element's length is written in the fewest octets, as DER requires. */
export function hasMinimalLength(element: DerElement): boolean {
  const length = element.content.length;
  const header = element.raw.length - length;
  return header === 2 + (length < 0x80 ? 0 : lengthOctets(length));
}

/** Reads one element that must span the whole buffer. */
export function readOnly(buffer: Buffer, expectedTag?: number): DerElement {
  const element = readElement(buffer);
  if (element.raw.length !== buffer.length) throw new DerError("trailing bytes after DER element");
  if (expectedTag !== undefined) expectTag(element, expectedTag);
  return element;
}

export function children(element: DerElement): DerElement[] {
  const items: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readElement(element.content, offset);
    items.push(child);
    offset += child.raw.length;
  }
  return items;
}

export function expectTag(element: DerElement, tag: number): DerElement {
  if (element.tag !== tag) {
    throw new DerError(
      `expected DER tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`,
    );
  }
  return element;
}

export function decodeOid(element: DerElement): string {
  expectTag(element, TAG.oid);
  const bytes = element.content;
  if (bytes.length === 0) throw new DerError("empty OID");
  const arcs: number[] = [];
  let value = 0;
  let pending = false;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError("OID arc too large");
    pending = (byte & 0x80) !== 0;
    if (!pending) {
      arcs.push(value);
      value = 0;
    }
  }
  if (pending) throw new DerError("truncated OID");
  const first = arcs.shift() as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join(".");
}

/** The bits of a BIT STRING whose unused-bit count must be zero (keys, signatures). */
export function bitStringBytes(element: DerElement): Buffer {
  expectTag(element, TAG.bitString);
  if (element.content[0] !== 0) throw new DerError("BIT STRING with unused bits");
  return element.content.subarray(1);
}

function lengthOctets(length: number): number {
  let octets = 0;
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets++;
  return octets;
}

/**
 * One element holding `contents` one after another. Written into a single buffer: a
 * certificate is some fifty small elements, and concat-then-wrap allocated each twice.
 */
function encodeConstructed(tag: number, contents: readonly Buffer[]): Buffer {
  let length = 0;
  for (const content of contents) length += content.length;
  const longForm = length < 0x80 ? 0 : lengthOctets(length);
  const header = 2 + longForm;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = tag;
  if (longForm === 0) {
    out[1] = length;
  } else {
    out[1] = 0x80 | longForm;
    out.writeUIntBE(length, 2, longForm);
  }
  let offset = header;
  for (const content of contents) offset += content.copy(out, offset);
  return out;
}

export function encodeElement(tag: number, content: Buffer): Buffer {
  return encodeConstructed(tag, [content]);
}

export function encodeSequence(items: readonly Buffer[]): Buffer {
  return encodeConstructed(TAG.sequence, items);
}

export function encodeOid(oid: string): Buffer {
  const arcs = oid.split(".").map(Number);
  const [first, second, ...others] = arcs;
  if (first === undefined || second === undefined || !arcs.every(Number.isSafeInteger)) {
    throw new DerError(`invalid OID ${oid}`);
  }
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...others]) {
    // Base 128, most significant group first, every group but the last with its top bit set.
    const groups = [arc % 128];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128)) {
      groups.unshift(0x80 | (high % 128));
    }
    bytes.push(...groups);
  }
  return encodeElement(TAG.oid, Buffer.from(bytes));
}

/** The content octets of a non-negative INTEGER: minimal, zero-padded when the top bit is set. */
export function unsignedIntegerContent(value: bigint): Buffer {
  if (value < 0n) throw new DerError("negative INTEGER");
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
  return (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** Whether `content` is a minimally encoded DER INTEGER (X.690 8.3.2). */
export function isMinimalInteger(content: Buffer): boolean {
  if (content.length === 0) return false;
  if (content.length === 1) return true;
  const first = content[0] as number;
  const second = content[1] as number;
  return !((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80));
}
