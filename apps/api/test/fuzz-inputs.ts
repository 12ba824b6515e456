/**
 * Generators for the API fuzz test (fuzz.test.ts). Everything here draws from one seeded PRNG,
 * so a seed reproduces the exact sequence of requests.
 */

export type Rng = () => number;

/** mulberry32: tiny, fast and good enough to spread requests; not for cryptography. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, min: number, max: number) =>
  min + Math.floor(rng() * (max - min + 1));
export const chance = (rng: Rng, p: number) => rng() < p;
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** Strings that have broken parsers, databases, loggers and DN encoders before. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "   padded   ",
  "\u0000",
  "a\u0000b",
  "\t\n\r",
  "line\nbreak",
  "\u001b[31mred\u001b[0m",
  "\u007f",
  "\u0085",
  "\u2028\u2029",
  "\u202eevil",
  "\u200b",
  "\ufeff",
  "e\u0301\u0301\u0301",
  "🎉🔐",
  "日本語のテキスト",
  "\ud800",
  "\udfff",
  "\ud800\udc00",
  "\uffff",
  "null",
  "undefined",
  "NaN",
  "-0",
  "true",
  "0x10",
  "1e309",
  "' OR '1'='1",
  "1; DROP TABLE access_tokens; --",
  "'); DELETE FROM certificate_authorities; --",
  '" OR ""="',
  "%00",
  "%s%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Log4Shell probe, not a template
  "${jndi:ldap://example.test/a}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "__proto__",
  "constructor",
  "\\",
  "\\u0000",
  "CN=evil,O=evil",
  "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n",
  "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----",
  "*.example.test",
  "*",
  "**.example.test",
  "2030-02-31",
  "9999-12-31T23:59:59Z",
  "0000-01-01",
  "1970-01-01T00:00:00Z",
  "2030-01-01T00:00:00+99:99",
  "1y",
  "0s",
  "-5d",
  "999999999999999999999d",
  "1e3d",
  "RSA_4096x",
  "rsa_2048",
  "admin",
  "127.0.0.1",
  "::1",
  "999.999.999.999",
  "spiffe://example.test/../x",
];

function randomCodePoint(rng: Rng): string {
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0x00, 0x1f],
    [0x7f, 0x9f],
    [0xa0, 0x2ff],
    [0x300, 0x36f],
    [0x590, 0x6ff],
    [0x3040, 0x30ff],
    [0xd800, 0xdfff],
    [0xfff0, 0xffff],
    [0x1f300, 0x1faff],
  ];
  const [lo, hi] = pick(rng, ranges);
  return String.fromCodePoint(int(rng, lo, hi));
}

/** C0 and C1 controls, NUL first: Postgres text cannot hold it at all. */
export const CONTROL_CHARACTERS: readonly string[] = [
  "\u0000",
  "\u0001",
  "\u0008",
  "\u001b",
  "\u001f",
  "\u007f",
  "\u0085",
  "\n",
  "\r\n",
];

export function randomString(rng: Rng): string {
  const kind = int(rng, 0, 6);
  if (kind === 6) return `fuzz${pick(rng, CONTROL_CHARACTERS)}value`;
  if (kind === 0) return pick(rng, NASTY_STRINGS);
  if (kind === 1) {
    let s = "";
    for (let n = int(rng, 0, 40); n > 0; n--) s += String.fromCharCode(int(rng, 0x20, 0x7e));
    return s;
  }
  if (kind === 2) {
    let s = "";
    for (let n = int(rng, 1, 40); n > 0; n--) s += randomCodePoint(rng);
    return s;
  }
  if (kind === 3)
    return pick(rng, ["a", "é", "🔐", "\u0000", "x "]).repeat(int(rng, 10_000, 20_000));
  if (kind === 4)
    return `${pick(rng, NASTY_STRINGS)}${randomCodePoint(rng)}${pick(rng, NASTY_STRINGS)}`;
  return String.fromCharCode(int(rng, 0x61, 0x7a)).repeat(int(rng, 1, 200));
}

const ODD_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1.5,
  -2,
  2 ** 31,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e308,
  -1e308,
  5e-324,
  17,
];

/** Any JSON value, of any type, nested a little. */
export function randomJson(rng: Rng, depth = 0): unknown {
  const kind = int(rng, 0, depth > 3 ? 4 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return chance(rng, 0.5);
    case 2:
      return chance(rng, 0.5) ? pick(rng, ODD_NUMBERS) : int(rng, -1000, 1000);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
      return Array.from({ length: int(rng, 0, 5) }, () => randomJson(rng, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      for (let n = int(rng, 0, 5); n > 0; n--) obj[randomKey(rng)] = randomJson(rng, depth + 1);
      return obj;
    }
  }
}

/** Keys no request schema declares: every body schema is strict, so each is a 422. */
export const UNKNOWN_KEYS: readonly string[] = [
  "colour",
  "isAdmin",
  "id",
  "createdAt",
  "tokenHash",
  "__proto__",
  "constructor",
  "prototype",
  "",
  " ",
  "a.b",
  "$where",
  "\u0000",
  "🔑",
  "x".repeat(10_000),
];

export function randomKey(rng: Rng): string {
  return chance(rng, 0.5) ? pick(rng, UNKNOWN_KEYS) : randomString(rng).slice(0, 50);
}

/** The JSON type of a value, to make sure a "retyped" field really changed type. */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function valueOfOtherType(rng: Rng, original: unknown): unknown {
  for (;;) {
    const candidate = pick(rng, [
      null,
      true,
      false,
      0,
      -1,
      1.5,
      1e308,
      "",
      "text",
      randomString(rng),
      [],
      [1, "a"],
      {},
      { a: 1 },
    ]);
    if (jsonType(candidate) !== jsonType(original)) return candidate;
  }
}

/** JSON text that no parser should accept. */
export const BROKEN_JSON: readonly string[] = [
  "{",
  "}",
  "[",
  "{]",
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":01}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '"unterminated',
  "[1,2",
  '{"a" 1}',
  "{a:1}",
  "NaN",
  "Infinity",
  "undefined",
  "\u0000",
  "\ufeff{}",
  '{"a":"\u0000"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":tru}',
  "{\n",
  "[".repeat(100),
  '{"a":1',
  "<xml/>",
  "type=root&commonName=x",
];

/** Damages valid JSON text: a cut, a stray character, or a swapped quote. */
export function corruptJson(rng: Rng, text: string): string {
  const at = int(rng, 1, Math.max(1, text.length - 1));
  const kind = int(rng, 0, 2);
  if (kind === 0) return text.slice(0, at);
  if (kind === 1)
    return `${text.slice(0, at)}${pick(rng, ["{", "]", '"', ",", ":", "\\"])}${text.slice(at)}`;
  return text.replace('"', "'");
}

/** JSON text nested `depth` levels; built as text so neither side recurses to build it. */
export function deepJson(kind: "array" | "object", depth: number): string {
  return kind === "array"
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Valid JSON text of `base` with one more member appended, as raw text. */
export function withMember(base: Record<string, unknown>, key: string, valueText: string): string {
  const text = JSON.stringify(base);
  const sep = text === "{}" ? "" : ",";
  return `${text.slice(0, -1)}${sep}${JSON.stringify(key)}:${valueText}}`;
}

export const CONTENT_TYPES_JSON: readonly string[] = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/vnd.api+json",
  "application/json-patch+json",
  "application/json; charset=latin1",
  "application/json;;;",
];

/** Types the API refuses for a body (it only accepts JSON). */
export const CONTENT_TYPES_WRONG: readonly string[] = [
  "text/plain",
  "text/json",
  "text/html; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----x",
  "application/xml",
  "application/jsonx",
  "application/octet-stream",
  "*/*",
  "json",
  "application/",
  ";",
  "a".repeat(8_000),
];

export const ACCEPTS: readonly string[] = [
  "*/*",
  "application/json",
  "application/x-pem-file",
  "text/plain",
  "text/html",
  "application/xml",
  "application/json;q=0, text/plain",
  "text/plain, application/json",
  "image/png",
  ";;;,,,",
  "*/*;q=abc",
  "a".repeat(8_000),
];

export const IDEMPOTENCY_KEYS: readonly string[] = [
  "key with spaces",
  " leading",
  "trailing ",
  "\ttab",
  "clé",
  "a".repeat(255),
  "a".repeat(256),
  "k".repeat(10_000),
  "%00",
  "' OR 1=1 --",
  "fuzz-fixed-key-1",
  "fuzz-fixed-key-2",
  "fuzz-fixed-key-1",
];

/** Values a client might put in X-Request-Id; only safe ones may be echoed back. */
export const REQUEST_IDS: readonly string[] = [
  "client-chosen-id",
  "a".repeat(300),
  "has spaces",
  "<script>",
  "id\u00e9",
  "==",
];

/** Path segments the routes must refuse (never a real resource). */
export const JUNK_SEGMENTS: readonly string[] = [
  "123",
  "0",
  "-1",
  "null",
  "undefined",
  "true",
  "1e10",
  "00000000-0000-0000-0000-000000000000",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "3c90c3cc0d444b5088888dd25736052a",
  "{3c90c3cc-0d44-4b50-8888-8dd25736052a}",
  "3c90c3cc-0d44-4b50-8888-8dd25736052ax",
  "3c90c3cc-0d44-4b50-8888-8dd25736052",
  "g0000000-0000-0000-0000-000000000000",
  "cert_",
  "cert_00000000000000000000000000000000",
  "cert_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
  "ab:cd:ef",
  "7fffffffffffffffffffffffffffffffffffffff",
  "f".repeat(41),
  "%27%20OR%20%271%27%3D%271",
  "1%3B%20DROP%20TABLE%20access_tokens%3B%20--",
  "%27%29%3B%20DELETE%20FROM%20certificate_profiles%3B--",
  "%",
  "%ZZ",
  "%E0%A4%A",
  "%C0%AF",
  "%C0%80",
  "%00",
  "%00abc",
  "%u0041",
  "%F0%9F%92%A9",
  "%ED%A0%80",
  "%25",
  "%%%",
  "%0d%0aSet-Cookie:%20x=1",
  "%2F",
  "a%2Fb",
  "a%20b",
  "%7B%7D",
  "a".repeat(65),
  "a".repeat(10_000),
  "%41".repeat(5_000),
  "~",
  "*",
  "$",
  ";",
  "@",
  ",",
];

/** Segments the URL parser resolves (dot segments): they may land on another real route. */
export const TRAVERSAL_SEGMENTS: readonly string[] = [
  ".",
  "..",
  "%2e",
  "%2e%2e",
  ".%2E",
  "..%2F..%2Fetc%2Fpasswd",
];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent throws on lone surrogates; a real client would send U+FFFD instead. */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));
}

export function randomSegment(rng: Rng): string {
  const kind = int(rng, 0, 4);
  if (kind <= 1) return pick(rng, JUNK_SEGMENTS);
  if (kind === 2) return uuidFrom(rng);
  if (kind === 3) {
    let hex = "";
    for (let n = 0; n < 40; n++) hex += int(rng, 0, 15).toString(16);
    return hex;
  }
  return encodeSegment(randomString(rng).slice(0, 200)) || "x";
}

/** A well-formed v4 UUID drawn from the seeded PRNG (crypto.randomUUID would not reproduce). */
export function uuidFrom(rng: Rng): string {
  let hex = "";
  for (let n = 0; n < 32; n++) hex += int(rng, 0, 15).toString(16);
  const variant = ((int(rng, 0, 3) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export const QUERIES: readonly string[] = [
  "?include[]=content",
  "?include=content&include[]=content&include[]=nothing",
  "?include[]=",
  `?include[]=${"c".repeat(10_000)}`,
  "?a=%ZZ&b=%",
  "?__proto__[admin]=true&constructor[prototype][x]=1",
  `?${"x=1&".repeat(2_000)}`,
  "?limit=-1&offset=99999999999999999999",
  "?%00=%00",
  "?",
  "?&&&=&=",
];

/** Header values must be ByteStrings (Latin-1, no CR/LF/NUL) or fetch itself throws. */
export function isSendableHeaderValue(value: string): boolean {
  return !/[^\t\x20-\x7e\x80-\xff]/.test(value);
}

/** Every string leaf of a JSON value, as a path of keys and indexes. */
export function stringLeaves(
  value: unknown,
  path: (string | number)[] = [],
): (string | number)[][] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  }
  return [];
}

/** A deep copy of `value` with the leaf at `path` replaced. */
export function replaceLeaf(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return leaf;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = replaceLeaf(copy[head], rest, leaf);
  return copy;
}

/** Values every string field gets once, whatever its meaning. */
export const SWEEP_VALUES: readonly string[] = [
  "a\u0000b",
  "\ud800x",
  "x".repeat(10_001),
  "1'; DROP TABLE certificate_profiles; --",
  "\u202e\u0007bell",
];

/** Damaged PEM: parsers of certificates and CSRs must refuse each with a 400. */
export function damagedPems(pem: string): string[] {
  const lines = pem.trim().split("\n");
  const body = lines.slice(1, -1).join("\n");
  const flipAt = Math.floor(body.length / 2);
  const flipped = `${body.slice(0, flipAt)}${body[flipAt] === "A" ? "B" : "A"}${body.slice(flipAt + 1)}`;
  return [
    pem.slice(0, Math.floor(pem.length / 2)),
    `${lines[0]}\n${body.slice(0, Math.floor(body.length / 3))}\n${lines.at(-1)}\n`,
    `${lines[0]}\n${flipped}\n${lines.at(-1)}\n`,
    `${lines[0]}\n${Buffer.alloc(300, 0x30).toString("base64")}\n${lines.at(-1)}\n`,
    `${lines[0]}\n${Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).toString("base64")}\n${lines.at(-1)}\n`,
    `${lines[0]}\n!!!not base64!!!\n${lines.at(-1)}\n`,
    `${lines[0]}\n${lines.at(-1)}\n`,
    pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "-----$1 PRIVATE KEY-----"),
    `${pem}${pem}`,
    pem.replaceAll("\n", "\r\n"),
  ];
}

/** A JSON Schema node from the OpenAPI document, loosely typed: we only read it. */
export type JsonSchema = Record<string, unknown>;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
export interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export function resolveSchema(schema: unknown, doc: OpenApiDoc): JsonSchema {
  let node = (schema ?? {}) as JsonSchema;
  for (let hops = 0; hops < 10 && typeof node.$ref === "string"; hops++) {
    const name = node.$ref.split("/").pop() ?? "";
    node = doc.components?.schemas?.[name] ?? {};
  }
  return node;
}

/** True when the schema admits exactly one JSON type, so a value of another is refused. */
export function hasSingleType(schema: unknown, doc: OpenApiDoc): boolean {
  const node = resolveSchema(schema, doc);
  if (node.anyOf || node.oneOf || node.allOf || node.not || node.nullable === true) return false;
  return typeof node.type === "string";
}

/**
 * A plausible value for a schema, for routes the fuzz table does not describe by hand: the
 * starting point that mutations then damage. `idFor` supplies real IDs by field name.
 */
export function exampleFromSchema(
  schema: unknown,
  doc: OpenApiDoc,
  hint: string,
  idFor: (name: string) => string | undefined,
  depth = 0,
): unknown {
  const node = resolveSchema(schema, doc);
  if (depth > 8) return null;
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if ("default" in node) return node.default;
  if ("example" in node) return node.example;
  const variants = (node.anyOf ?? node.oneOf ?? node.allOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    return exampleFromSchema(variants[0], doc, hint, idFor, depth + 1);
  }
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== "null") : node.type;
  switch (type) {
    case "object": {
      const props = (node.properties ?? {}) as Record<string, unknown>;
      // Optional fields too at the top, so the sweep reaches them; deeper, only required ones.
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      const wanted = depth === 0 ? Object.keys(props) : required;
      const out: Record<string, unknown> = {};
      for (const key of wanted) {
        if (key in props) out[key] = exampleFromSchema(props[key], doc, key, idFor, depth + 1);
      }
      return out;
    }
    case "array": {
      const count = Math.min(3, Math.max(1, Number(node.minItems ?? 1)));
      return Array.from({ length: count }, () =>
        exampleFromSchema(node.items, doc, hint, idFor, depth + 1),
      );
    }
    case "integer":
    case "number": {
      const min = typeof node.minimum === "number" ? node.minimum : 1;
      const max = typeof node.maximum === "number" ? node.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(Math.max(min, 1), max);
    }
    case "boolean":
      return true;
    case "string": {
      const id = idFor(hint);
      if (id !== undefined) return id;
      if (node.format === "uuid") return "3c90c3cc-0d44-4b50-8888-8dd25736052a";
      if (node.format === "date-time") return new Date(Date.now() + 86_400_000).toISOString();
      if (node.format === "date")
        return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      if (node.format === "email") return "fuzz@example.test";
      if (node.format === "uri") return "https://example.test/fuzz";
      const min = Number(node.minLength ?? 1);
      const max = Number(node.maxLength ?? 1_000);
      return "fuzz".padEnd(Math.max(min, 4), "z").slice(0, Math.max(max, 1));
    }
    default:
      return "fuzz";
  }
}

/** Bytes a DER parser must survive, as a binary string (one char per byte). */
export function randomBinary(rng: Rng): string {
  const kind = int(rng, 0, 3);
  if (kind === 0) return "";
  if (kind === 1) return String.fromCharCode(0x30, 0x84, 0xff, 0xff, 0xff, 0xff);
  if (kind === 2) return String.fromCharCode(...Array.from({ length: 64 }, () => 0x30));
  return String.fromCharCode(...Array.from({ length: int(rng, 1, 512) }, () => int(rng, 0, 255)));
}
