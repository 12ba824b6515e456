import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, TEST_POLICY, waitForRequest } from "./fixtures";
import {
  ACCEPTS,
  BROKEN_JSON,
  CONTENT_TYPES_JSON,
  CONTENT_TYPES_WRONG,
  chance,
  corruptJson,
  damagedPems,
  deepJson,
  exampleFromSchema,
  hasSingleType,
  IDEMPOTENCY_KEYS,
  int,
  isSendableHeaderValue,
  jsonType,
  mulberry32,
  type OpenApiDoc,
  pick,
  QUERIES,
  REQUEST_IDS,
  type Rng,
  randomBinary,
  randomJson,
  randomSegment,
  randomString,
  replaceLeaf,
  resolveSchema,
  SWEEP_VALUES,
  stringLeaves,
  TRAVERSAL_SEGMENTS,
  UNKNOWN_KEYS,
  uuidFrom,
  valueOfOtherType,
  withMember,
} from "./fuzz-inputs";
import { createHarness, type Harness } from "./harness";

// Fixed so a failure reproduces; CERTQ_FUZZ_SEED explores other sequences locally.
const SEED = Number(process.env.CERTQ_FUZZ_SEED ?? 0x5eed_c0de);
const WARMUP = 200;
/** Random requests (the warm-up included); hand-made special cases come on top. */
const MIN_RANDOM_REQUESTS = 1_300;
const MIN_HITS_PER_TARGET = 30;
const CONCURRENCY = 12;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;
// Generous: heapUsed without an exposed gc() includes garbage V8 has not collected yet, and
// the harness keeps every log line in memory. A per-request leak of the request context or
// body (over 1,000 requests, several of them a MiB) would still go far past it.
const MAX_HEAP_GROWTH_BYTES = 150 * 1024 * 1024;
// The OpenAI-compatible routes answer their own errors in OpenAI's `{error: {...}}` shape;
// failures before routing (body limit, Content-Type, unknown path) keep the seed's shape.
const OPENAI_ERROR_PREFIX = "/v1/organization/";

type ParamKind = "ca" | "profile" | "token" | "request" | "serial" | "orgCert";
type BodyKind =
  | "createCa"
  | "updateCa"
  | "importCa"
  | "signIntermediate"
  | "createToken"
  | "createProfile"
  | "updateProfile"
  | "submit"
  | "submitCsr"
  | "issueV3";
type Counted = "cas" | "profiles" | "tokens";

/** Where mutations start for one JSON body, and what its schema refuses for certain. */
interface JsonBodySource {
  label: string;
  make: () => Record<string, unknown>;
  required: boolean;
  /** Unknown keys are refused. */
  strict: boolean;
  /** The key's schema has exactly one JSON type, so another type is refused. */
  typed: (key: string) => boolean;
}

interface RouteSpec {
  method: string;
  /** As in the OpenAPI document, so coverage can be checked against it. */
  template: string;
  /** A scope; null: public; "some": needs a token, scope not known to this table. */
  scope: string | null;
  bodies?: JsonBodySource[];
  /** A body that is not a JSON object (OCSP's DER, say): fuzzed as raw bytes. */
  rawBodyType?: string;
  queryParams?: string[];
  creates?: Counted;
  deletes?: Counted;
  /** Not in the hand-written table: derived from the OpenAPI document. */
  generic?: boolean;
}

const SOME_SCOPE = "some";

const known = (...kinds: BodyKind[]): JsonBodySource[] =>
  kinds.map((kind) => ({
    label: kind,
    make: () => baseBody(kind),
    required: true,
    strict: true,
    typed: () => true,
  }));

/** The routes of app.ts, each with its scope and real bodies. */
const KNOWN_ROUTES: RouteSpec[] = [
  { method: "GET", template: "/healthz", scope: null },
  { method: "GET", template: "/readyz", scope: null },
  { method: "GET", template: "/openapi.json", scope: null },
  {
    method: "POST",
    template: "/api/v1/pki/ca",
    scope: "cas:manage",
    bodies: known("createCa"),
    creates: "cas",
  },
  { method: "GET", template: "/api/v1/pki/ca", scope: "cas:manage" },
  { method: "GET", template: "/api/v1/pki/ca/{caId}", scope: "cas:manage" },
  {
    method: "PATCH",
    template: "/api/v1/pki/ca/{caId}",
    scope: "cas:manage",
    bodies: known("updateCa"),
  },
  { method: "GET", template: "/api/v1/pki/ca/{caId}/certificate", scope: null },
  { method: "GET", template: "/api/v1/pki/ca/{caId}/csr", scope: "cas:manage" },
  {
    method: "POST",
    template: "/api/v1/pki/ca/{caId}/import-certificate",
    scope: "cas:manage",
    bodies: known("importCa"),
  },
  {
    method: "POST",
    template: "/api/v1/pki/ca/{caId}/sign-intermediate",
    scope: "cas:manage",
    bodies: known("signIntermediate"),
  },
  {
    method: "POST",
    template: "/api/v1/tokens",
    scope: "tokens:manage",
    bodies: known("createToken"),
    creates: "tokens",
  },
  { method: "GET", template: "/api/v1/tokens", scope: "tokens:manage" },
  {
    method: "DELETE",
    template: "/api/v1/tokens/{tokenId}",
    scope: "tokens:manage",
    deletes: "tokens",
  },
  {
    method: "POST",
    template: "/api/v1/cert-manager/certificate-profiles",
    scope: "profiles:manage",
    bodies: known("createProfile"),
    creates: "profiles",
  },
  {
    method: "GET",
    template: "/api/v1/cert-manager/certificate-profiles",
    scope: "profiles:manage",
  },
  {
    method: "GET",
    template: "/api/v1/cert-manager/certificate-profiles/{profileId}",
    scope: "profiles:manage",
  },
  {
    method: "PATCH",
    template: "/api/v1/cert-manager/certificate-profiles/{profileId}",
    scope: "profiles:manage",
    bodies: known("updateProfile"),
  },
  {
    method: "DELETE",
    template: "/api/v1/cert-manager/certificate-profiles/{profileId}",
    scope: "profiles:manage",
    deletes: "profiles",
  },
  {
    method: "POST",
    template: "/api/v1/cert-manager/certificates",
    scope: "certificates:issue",
    bodies: known("submit", "submitCsr"),
  },
  {
    method: "GET",
    template: "/api/v1/cert-manager/certificates/certificate-requests/{requestId}",
    scope: "certificates:read",
  },
  {
    method: "POST",
    template: "/api/v3/pki/certificates/issue-certificate",
    scope: "certificates:issue",
    bodies: known("issueV3"),
  },
  {
    method: "GET",
    template: "/api/v1/pki/certificates/{serialNumber}/private-key",
    scope: "certificates:read-private-key",
  },
  {
    method: "GET",
    template: "/api/v1/pki/certificates/{serialNumber}",
    scope: "certificates:read",
  },
  {
    method: "GET",
    template: "/api/v1/pki/certificates/{serialNumber}/certificate",
    scope: "certificates:read",
  },
  {
    method: "GET",
    template: "/v1/organization/certificates/{certificate_id}",
    scope: "certificates:read",
  },
];

/** Path parameters whose real values we know; any other value names nothing. */
const PARAM_KINDS: Record<string, ParamKind> = {
  caId: "ca",
  profileId: "profile",
  tokenId: "token",
  requestId: "request",
  serialNumber: "serial",
  certificate_id: "orgCert",
};

const routeKey = (r: { method: string; template: string }) => `${r.method} ${r.template}`;
const WRONG_METHOD = "wrong method on a known path";
const UNKNOWN_ROUTE = "unknown route";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND", "PURGE"];

/** Paths no version of this API serves; a 2xx here is a bug. */
const NONEXISTENT_PATHS = [
  "/",
  "/api",
  "/api/v2/pki/ca",
  "/api/v1/pki/ca/x/y/z",
  "/api/v1/tokens/x/y",
  "/.env",
  "/%00",
  "/admin",
  "/healthz/x",
  "/openapi.json/x",
  `/${"a".repeat(10_000)}`,
  "/api/v3/pki/certificates/issue-certificate/x",
];
/** Spellings a router might or might not normalise; any status below 500 is fine. */
const AMBIGUOUS_PATHS = [
  "//api/v1/tokens",
  "/API/V1/TOKENS",
  "/api/v1/tokens/",
  "/api/v1/pki/ca;jsessionid=1",
  "/api/v1/pki/ca/.",
  "/api/v1/./tokens",
  "/healthz%2F",
  "/openapi.json%00",
];

const JUNK_HEADERS: Record<string, string>[] = [
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

const QUERY_VALUES = ["-1", "0", "abc", "1e999", "%ZZ", "' OR 1=1 --", "x".repeat(5_000), ""];

interface AuthVariant {
  label: string;
  /** The harness's own bearer token (null: none from the harness). */
  token: string | null;
  header?: string;
  /** Scopes this credential really has; "admin" means all. */
  scopes: string[];
}

interface FuzzRequest {
  index: number;
  target: string;
  method: string;
  path: string;
  token: string | null;
  headers: Record<string, string>;
  rawBody?: string;
  /** Why a 2xx would be wrong, or null when the request may legitimately succeed. */
  malformed: string | null;
  note: string;
  creates?: Counted;
  deletes?: Counted;
}

let h: Harness;
let rootId: string;
let rootPem: string;
let intermediateId: string;
let intermediatePem: string;
let pendingId: string;
let pendingCsr: string;
let profileId: string;
let spareProfileId: string;
let victimTokenId: string;
let requestId: string;
let certificateId: string;
let serialNumber: string;
let auths: AuthVariant[];
let doc: OpenApiDoc;
let routes: RouteSpec[];
let targets: string[];

const statusVsTimeViolations: string[] = [];
const shapeViolations: string[] = [];
const malformedSuccesses: string[] = [];
const hits = new Map<string, number>();
const statuses = new Map<number, number>();
const expectedDelta: Record<Counted, number> = { cas: 0, profiles: 0, tokens: 0 };
const stragglers = new Set<Promise<unknown>>();
let baseline: Record<Counted, number>;
let heapAfterWarmup = 0;
let heapAtEnd = 0;
let sent = 0;
let markedMalformed = 0;
let elapsedMs = 0;
let slugCounter = 0;
let randomSlot = 0;

const PEM_FIELDS = ["certificate", "certificateChain", "csr", "content"];

async function rowCounts(): Promise<Record<Counted, number>> {
  const rows = await h.db.db.execute(sql`
    select (select count(*) from certificate_authorities)::int as cas,
           (select count(*) from certificate_profiles)::int as profiles,
           (select count(*) from access_tokens)::int as tokens`);
  const row = rows[0] as Record<Counted, number>;
  return { cas: Number(row.cas), profiles: Number(row.profiles), tokens: Number(row.tokens) };
}

function heapUsed(): number {
  // Only present under --expose-gc; without it the figure includes uncollected garbage.
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Fresh valid bodies: the starting point of every mutation. */
function baseBody(kind: BodyKind): Record<string, unknown> {
  switch (kind) {
    case "createCa":
      return {
        type: "root",
        commonName: "Fuzz Root",
        organization: "Fuzz",
        country: "NL",
        keyAlgorithm: "EC_prime256v1",
        maxPathLength: 0,
      };
    case "updateCa":
      return { status: "active" };
    case "importCa":
      return { certificate: intermediatePem, certificateChain: rootPem };
    case "signIntermediate":
      return { csr: pendingCsr, notAfter: inFuture(30), maxPathLength: 0 };
    case "createToken":
      return { name: "fuzz token", scopes: ["certificates:read"], expiresAt: inFuture(1) };
    case "createProfile":
      // A fresh slug each time, so a valid body reaches the insert instead of a 409.
      return {
        slug: `fuzz-profile-${++slugCounter}`,
        description: "fuzz",
        caId: intermediateId,
        defaults: { ttl: "30d" },
        policy: TEST_POLICY,
      };
    case "updateProfile":
      return { description: "fuzzed" };
    case "submitCsr":
      return { profileId, csr: pendingCsr, ttl: "7d" };
    case "submit":
      return {
        profileId,
        commonName: "fuzz.example.test",
        ttl: "7d",
        keyAlgorithm: "EC_prime256v1",
        altNames: [{ type: "dns_name", value: "fuzz.example.test" }],
      };
    case "issueV3":
      return {
        profileId,
        commonName: "fuzz.example.test",
        ttl: "7d",
        signatureAlgorithm: "ECDSA-SHA256",
        keyAlgorithm: "EC_prime256v1",
      };
  }
}

function realIds(kind: ParamKind): string[] {
  switch (kind) {
    case "ca":
      return [rootId, intermediateId, pendingId];
    case "profile":
      return [profileId, spareProfileId];
    case "token":
      return [victimTokenId];
    case "request":
      return [requestId];
    case "serial":
      return [serialNumber];
    case "orgCert":
      return [certificateId, `cert_${certificateId.replaceAll("-", "")}`];
  }
}

/** Real IDs for body fields of routes described only by the OpenAPI document. */
function idForField(name: string): string | undefined {
  const kind = PARAM_KINDS[name];
  if (kind) return realIds(kind)[0];
  if (/^certificate_ids?$/.test(name)) return realIds("orgCert")[1];
  if (PEM_FIELDS.includes(name)) return intermediatePem;
  return undefined;
}

/** Every operation of the OpenAPI document that the hand-written table does not describe. */
function genericRoutes(): RouteSpec[] {
  const listed = new Set(KNOWN_ROUTES.map(routeKey));
  const found: RouteSpec[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const spec: RouteSpec = {
        method: method.toUpperCase(),
        template,
        scope: op.security && op.security.length > 0 ? SOME_SCOPE : null,
        generic: true,
        queryParams: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
      };
      if (listed.has(routeKey(spec))) continue;
      const content = op.requestBody?.content ?? {};
      const jsonSchema = content["application/json"]?.schema;
      const schema = resolveSchema(jsonSchema, doc);
      if (jsonSchema && (schema.type === "object" || schema.properties)) {
        const props = (schema.properties ?? {}) as Record<string, unknown>;
        spec.bodies = [
          {
            label: "schema example",
            make: () => exampleFromSchema(schema, doc, "", idForField) as Record<string, unknown>,
            required: op.requestBody?.required === true,
            strict: schema.additionalProperties === false,
            typed: (key) => key in props && hasSingleType(props[key], doc),
          },
        ];
      } else if (Object.keys(content).length > 0) {
        spec.rawBodyType = Object.keys(content)[0];
      }
      found.push(spec);
    }
  }
  return found;
}

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** A body for a JSON route, and whether the API must refuse it whatever else is right. */
function makeBody(
  rng: Rng,
  source: JsonBodySource,
): { text: string; malformed: string | null; note: string } {
  const base = source.make();
  const keys = Object.keys(base);
  const key = keys.length > 0 ? pick(rng, keys) : "";
  const brokenReason = source.required ? "broken JSON" : null;
  // With no fields to damage, only the whole-body generators (from 65 on) apply.
  const roll = keys.length > 0 ? int(rng, 0, 99) : int(rng, 65, 99);
  if (roll < 6) return { text: JSON.stringify(base), malformed: null, note: "valid body" };
  if (roll < 14) {
    delete base[key];
    return { text: JSON.stringify(base), malformed: null, note: `dropped ${key}` };
  }
  if (roll < 20) {
    // JSON.parse keeps the last duplicate: first the random value wins, then the real one.
    const junk = JSON.stringify(randomJson(rng));
    const last = chance(rng, 0.5);
    const text = last
      ? withMember(base, key, junk)
      : `{${JSON.stringify(key)}:${junk},${JSON.stringify(base).slice(1)}`;
    return {
      text,
      malformed: null,
      note: `duplicated ${key} (${last ? "junk last" : "junk first"})`,
    };
  }
  if (roll < 32) {
    base[key] = valueOfOtherType(rng, base[key]);
    const malformed = source.typed(key) ? `${key} retyped` : null;
    return { text: JSON.stringify(base), malformed, note: `retyped ${key}` };
  }
  if (roll < 42) {
    const extra = pick(rng, UNKNOWN_KEYS);
    const text = withMember(base, extra, JSON.stringify(randomJson(rng)));
    const malformed = source.strict ? "unknown key" : null;
    return { text, malformed, note: `unknown key ${JSON.stringify(extra.slice(0, 20))}` };
  }
  if (roll < 52) {
    const stringKeys = keys.filter((k) => typeof base[k] === "string");
    const target = stringKeys.length > 0 ? pick(rng, stringKeys) : key;
    base[target] = randomString(rng);
    return { text: JSON.stringify(base), malformed: null, note: `odd string in ${target}` };
  }
  if (roll < 55) {
    const pemKeys = keys.filter((k) => PEM_FIELDS.includes(k));
    const target = pemKeys.length > 0 ? pick(rng, pemKeys) : key;
    base[target] = pick(rng, damagedPems(String(base[target])));
    return { text: JSON.stringify(base), malformed: null, note: `damaged PEM in ${target}` };
  }
  if (roll < 58) {
    base[key] = randomJson(rng);
    return { text: JSON.stringify(base), malformed: null, note: `random value in ${key}` };
  }
  if (roll < 65) {
    // The right keys, every value of another JSON type than the schema's.
    for (const k of keys) base[k] = valueOfOtherType(rng, base[k]);
    const malformed = keys.some(source.typed) ? "every field retyped" : null;
    return { text: JSON.stringify(base), malformed, note: "right keys, wrong types" };
  }
  if (roll < 73) {
    const value = randomJson(rng);
    const isObject = jsonType(value) === "object";
    return {
      text: JSON.stringify(value),
      malformed: isObject ? null : "body is not an object",
      note: `random ${jsonType(value)} body`,
    };
  }
  if (roll < 77) {
    const text = pick(rng, ["null", "[]", "0", '"text"', "true", JSON.stringify([base])]);
    return { text, malformed: "body is not an object", note: "non-object body" };
  }
  if (roll < 87) {
    const text =
      chance(rng, 0.5) || keys.length === 0
        ? pick(rng, BROKEN_JSON)
        : corruptJson(rng, JSON.stringify(base));
    // A stray character can land inside a string and leave the JSON valid.
    return { text, malformed: parses(text) ? null : brokenReason, note: "broken JSON" };
  }
  if (roll < 92 || keys.length === 0) {
    return { text: pick(rng, ["", " ", "\n"]), malformed: brokenReason, note: "empty body" };
  }
  const depth = int(rng, 20, 300);
  const nested = deepJson(chance(rng, 0.5) ? "array" : "object", depth);
  return {
    text: withMember(base, key, nested),
    malformed: null,
    note: `${key} nested ${depth} deep`,
  };
}

/** Fills the template's parameters; says whether the result can name a real resource. */
function fillPath(rng: Rng, template: string): { path: string; junkParam: boolean; note: string } {
  let junkParam = false;
  const notes: string[] = [];
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const kind = PARAM_KINDS[name];
    const roll = int(rng, 0, 99);
    if (kind && roll < 40) {
      notes.push("real id");
      return pick(rng, realIds(kind));
    }
    if (roll < 88) {
      // Junk can only be known to name nothing where we know what the real values are.
      if (kind) junkParam = true;
      notes.push("junk id");
      return randomSegment(rng);
    }
    if (roll < 94) {
      notes.push("dot segment");
      return pick(rng, TRAVERSAL_SEGMENTS);
    }
    notes.push("other/upper-cased id");
    return pick(rng, realIds(pick(rng, Object.values(PARAM_KINDS)))).toUpperCase();
  });
  return { path, junkParam, note: notes.join(", ") };
}

function chooseAuth(rng: Rng): AuthVariant {
  const admin = auths[0];
  if (!admin) throw new Error("no auth variants");
  return chance(rng, 0.65) ? admin : pick(rng, auths);
}

/** Whether the credential is refused for the scope; null when that cannot be known. */
function refusedFor(auth: AuthVariant, scope: string): boolean | null {
  if (auth.scopes.length === 0) return true;
  if (auth.scopes.includes("admin")) return false;
  if (scope === SOME_SCOPE) return null;
  return !auth.scopes.includes(scope);
}

/** Common headers: odd Accept, request IDs and junk, each only when fetch can send it. */
function extraHeaders(rng: Rng, headers: Record<string, string>, idempotency: number) {
  if (chance(rng, 0.3)) headers.accept = pick(rng, ACCEPTS);
  if (chance(rng, idempotency)) {
    headers["idempotency-key"] = chance(rng, 0.3) ? uuidFrom(rng) : pick(rng, IDEMPOTENCY_KEYS);
  }
  if (chance(rng, 0.1)) headers["x-request-id"] = pick(rng, REQUEST_IDS);
  if (chance(rng, 0.1)) Object.assign(headers, pick(rng, JUNK_HEADERS));
  for (const [name, value] of Object.entries(headers)) {
    if (!isSendableHeaderValue(value)) delete headers[name];
  }
}

/** Sets the Content-Type of a JSON body; returns why it is refused, if it is. */
function bodyHeaders(rng: Rng, headers: Record<string, string>): string | null {
  const roll = int(rng, 0, 99);
  if (roll < 80) {
    headers["content-type"] = roll < 60 ? "application/json" : pick(rng, CONTENT_TYPES_JSON);
    return null;
  }
  if (roll < 92) {
    headers["content-type"] = pick(rng, CONTENT_TYPES_WRONG);
    return "wrong Content-Type";
  }
  // fetch labels a string body text/plain when no type is given: still not JSON.
  return "no Content-Type";
}

function randomQuery(rng: Rng, route: RouteSpec | undefined): string {
  const names = route?.queryParams ?? [];
  if (names.length > 0 && chance(rng, 0.5)) {
    const parts = names
      .filter(() => chance(rng, 0.6))
      .map((n) => `${encodeURIComponent(n)}=${encodeURIComponent(pick(rng, QUERY_VALUES))}`);
    return `?${parts.join("&")}`;
  }
  return chance(rng, 0.15) ? pick(rng, QUERIES) : "";
}

function generateRandom(rng: Rng, index: number): FuzzRequest {
  // Round-robin over the targets, so every route gets its share however specials interleave.
  const target = targets[randomSlot++ % targets.length] ?? UNKNOWN_ROUTE;
  const auth = chooseAuth(rng);
  const headers: Record<string, string> = {};
  if (auth.header !== undefined) headers.authorization = auth.header;
  const request: FuzzRequest = {
    index,
    target,
    method: "GET",
    path: "/",
    token: auth.token,
    headers,
    malformed: null,
    note: `auth: ${auth.label}`,
  };

  if (target === UNKNOWN_ROUTE) {
    const nonexistent = chance(rng, 0.6);
    request.method = pick(rng, METHODS);
    const path = nonexistent ? pick(rng, NONEXISTENT_PATHS) : pick(rng, AMBIGUOUS_PATHS);
    request.path = path + randomQuery(rng, undefined);
    request.malformed = nonexistent ? "no such route" : null;
    if (!["GET", "HEAD"].includes(request.method) && chance(rng, 0.5)) {
      request.rawBody = JSON.stringify(randomJson(rng));
      headers["content-type"] = "application/json";
    }
    extraHeaders(rng, headers, 0.05);
    return request;
  }

  if (target === WRONG_METHOD) {
    const route = pick(rng, routes);
    const registered = routes.filter((r) => r.template === route.template).map((r) => r.method);
    // HEAD is answered by the GET handler.
    const wrong = METHODS.filter(
      (m) => !registered.includes(m) && !(m === "HEAD" && registered.includes("GET")),
    );
    request.method = pick(rng, wrong);
    // fetch leaves "patch" lower-case, and routers match methods case-sensitively.
    if (chance(rng, 0.1) && !registered.includes("PATCH")) request.method = "patch";
    const filled = fillPath(rng, route.template);
    request.path = filled.path + randomQuery(rng, undefined);
    request.malformed = "method not served on this path";
    request.note += `; ${filled.note}`;
    if (!["GET", "HEAD"].includes(request.method) && chance(rng, 0.5)) {
      const source = route.bodies ? pick(rng, route.bodies) : undefined;
      request.rawBody = JSON.stringify(source ? source.make() : randomJson(rng));
      headers["content-type"] = "application/json";
    }
    extraHeaders(rng, headers, 0.05);
    return request;
  }

  const route = routes.find((r) => routeKey(r) === target);
  if (!route) throw new Error(`no route ${target}`);
  const filled = fillPath(rng, route.template);
  request.method = route.method === "GET" && chance(rng, 0.03) ? "HEAD" : route.method;
  request.path = filled.path + randomQuery(rng, route);
  request.creates = route.creates;
  request.deletes = route.deletes;
  if (filled.note) request.note += `; ${filled.note}`;
  const reasons: string[] = [];
  if (route.scope && refusedFor(auth, route.scope)) reasons.push(`auth ${auth.label}`);
  if (filled.junkParam) reasons.push("no such resource");
  if (route.bodies) {
    const body = makeBody(rng, pick(rng, route.bodies));
    request.rawBody = body.text;
    request.note += `; ${body.note}`;
    if (body.malformed) reasons.push(body.malformed);
    const typeProblem = bodyHeaders(rng, headers);
    if (typeProblem) reasons.push(typeProblem);
  } else if (route.rawBodyType) {
    request.rawBody = chance(rng, 0.7) ? randomBinary(rng) : JSON.stringify(randomJson(rng));
    headers["content-type"] = chance(rng, 0.8) ? route.rawBodyType : pick(rng, CONTENT_TYPES_WRONG);
    request.note += "; raw bytes";
  } else if (route.method !== "GET" && chance(rng, 0.2)) {
    request.rawBody = JSON.stringify(randomJson(rng));
    headers["content-type"] = "application/json";
  }
  const submits = route.bodies?.some((b) => b.label === "submit") ?? false;
  extraHeaders(rng, headers, submits ? 0.5 : 0.05);
  request.malformed = reasons.length > 0 ? reasons.join(", ") : null;
  return request;
}

/** A real ID in each parameter, for requests whose point is elsewhere. */
const realPath = (template: string) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const kind = PARAM_KINDS[name];
    return kind ? (realIds(kind)[0] ?? "x") : "x";
  });

/** The rare, heavy and systematic cases: deep JSON, bodies near 1 MiB, a sweep of every field. */
function specialRequests(): Omit<FuzzRequest, "index">[] {
  const json = { "content-type": "application/json" };
  const specials: Omit<FuzzRequest, "index">[] = [];
  for (const route of routes) {
    const source = route.bodies?.[0];
    if (!source) continue;
    const base = source.make();
    const firstKey = Object.keys(base)[0];
    const common = {
      target: routeKey(route),
      method: route.method,
      path: realPath(route.template),
      token: h.adminToken,
      headers: json,
      creates: route.creates,
    };
    specials.push(
      {
        ...common,
        rawBody: deepJson("array", 5_000),
        malformed: "body is not an object",
        note: "arrays nested 5,000 deep",
      },
      {
        ...common,
        rawBody: deepJson("object", 5_000),
        malformed: source.strict ? "unknown key" : null,
        note: "objects nested 5,000 deep",
      },
    );
    if (firstKey) {
      specials.push({
        ...common,
        rawBody: withMember(base, firstKey, deepJson("array", 5_000)),
        malformed: source.typed(firstKey) ? `${firstKey} is nested arrays` : null,
        note: `${firstKey} nested 5,000 deep`,
      });
    }
  }
  // Every string field of every body, once with each sweep value: random draws alone would
  // reach a given field with a given hostile value only by luck.
  for (const route of routes) {
    for (const source of route.bodies ?? []) {
      for (const leaf of stringLeaves(source.make())) {
        const original = String(leaf.reduce<unknown>((v, k) => (v as never)[k], source.make()));
        const values = PEM_FIELDS.includes(String(leaf[0]))
          ? [...SWEEP_VALUES, ...damagedPems(original)]
          : SWEEP_VALUES;
        for (const value of values) {
          specials.push({
            target: routeKey(route),
            method: route.method,
            path: realPath(route.template),
            token: h.adminToken,
            headers: json,
            rawBody: JSON.stringify(replaceLeaf(source.make(), leaf, value)),
            malformed: null,
            note: `sweep ${source.label}.${leaf.join(".")} = ${JSON.stringify(value.slice(0, 40))}`,
            creates: route.creates,
          });
        }
      }
    }
  }
  const padTo = (prefix: string, suffix: string, bytes: number, fill = "a") => {
    const room = bytes - Buffer.byteLength(prefix) - Buffer.byteLength(suffix);
    return `${prefix}${fill.repeat(Math.floor(room / Buffer.byteLength(fill)))}${suffix}`;
  };
  const createCa = {
    target: "POST /api/v1/pki/ca",
    method: "POST",
    path: "/api/v1/pki/ca",
    token: h.adminToken,
    headers: json,
    creates: "cas" as const,
  };
  const under = MAX_BODY_BYTES - 16;
  specials.push(
    {
      ...createCa,
      rawBody: padTo('{"type":"root","commonName":"', '"}', under),
      malformed: "commonName too long",
      note: "body just under 1 MiB",
    },
    {
      ...createCa,
      rawBody: padTo('{"type":"root","commonName":"', '"}', under, "é"),
      malformed: "commonName too long",
      note: "multi-byte body just under 1 MiB",
    },
    {
      ...createCa,
      rawBody: padTo('{"type":"root","commonName":"', '"}', MAX_BODY_BYTES + 1),
      malformed: "body over 1 MiB",
      note: "body 1 MiB + 1 byte",
    },
    {
      target: "POST /api/v1/tokens",
      method: "POST",
      path: "/api/v1/tokens",
      token: h.adminToken,
      headers: json,
      rawBody: padTo('{"name":"', '","scopes":["admin"]}', 2 * MAX_BODY_BYTES),
      malformed: "body over 1 MiB",
      note: "body 2 MiB",
      creates: "tokens",
    },
    {
      target: "POST /api/v1/cert-manager/certificates",
      method: "POST",
      path: "/api/v1/cert-manager/certificates",
      token: h.adminToken,
      headers: json,
      rawBody: `{"profileId":"${profileId}","altNames":[${"1,".repeat((under - 100) / 2)}1]}`,
      malformed: "altNames are numbers",
      note: "altNames: half a million numbers, just under 1 MiB",
    },
    {
      target: "PATCH /api/v1/pki/ca/{caId}",
      method: "PATCH",
      path: `/api/v1/pki/ca/${rootId}`,
      token: h.adminToken,
      headers: json,
      rawBody: padTo('{"status":"active"', "}", under, " "),
      malformed: null,
      note: "valid body padded with whitespace to just under 1 MiB",
    },
  );
  return specials;
}

const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;

const redact = (text: string) => text.replaceAll(h.adminToken, "<admin>");

function describeRequest(req: FuzzRequest): string {
  const headers = { ...req.headers };
  if (headers.authorization) headers.authorization = redact(headers.authorization);
  const auth =
    req.token === null ? "" : req.token === h.adminToken ? " token=<admin>" : " token=<scoped>";
  const body =
    req.rawBody === undefined ? "" : ` body=${JSON.stringify(truncate(redact(req.rawBody), 200))}`;
  return `#${req.index} ${req.method} ${truncate(req.path, 160)} [${req.note}]${auth} headers=${truncate(JSON.stringify(headers), 200)}${body}`;
}

/** Why an error response is not `{reqId, statusCode, message, error}` (+ details on 403). */
function seedShapeProblem(status: number, headers: Headers, body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not a JSON object";
  const b = body as Record<string, unknown>;
  const allowed = [
    "reqId",
    "statusCode",
    "message",
    "error",
    ...(status === 403 ? ["details"] : []),
  ];
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return `unexpected keys ${extra.join(", ")}`;
  for (const key of ["reqId", "statusCode", "message", "error"]) {
    if (!(key in b)) return `missing ${key}`;
  }
  if (typeof b.reqId !== "string") return "reqId is not a string";
  if (b.reqId !== headers.get("x-request-id")) {
    return `reqId ${b.reqId} differs from X-Request-Id ${headers.get("x-request-id")}`;
  }
  if (b.statusCode !== status) return `statusCode ${String(b.statusCode)} differs from ${status}`;
  if (typeof b.error !== "string") return "error is not a string";
  if (status === 422 && Array.isArray(b.message)) {
    for (const issue of b.message as { field?: unknown; message?: unknown }[]) {
      if (typeof issue?.field !== "string" || typeof issue.message !== "string") {
        return "a validation issue lacks a string field or message";
      }
    }
  } else if (typeof b.message !== "string") {
    return status === 422 ? "message is neither a string nor a list" : "message is not a string";
  }
  return null;
}

/** Why an error is not OpenAI's `{error: {message, type, param, code}}`. */
function openAiShapeProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not a JSON object";
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "error") return `keys ${keys.join(", ")}`;
  const error = (body as { error: unknown }).error;
  if (typeof error !== "object" || error === null) return "error is not an object";
  const e = error as Record<string, unknown>;
  const extra = Object.keys(e).filter((k) => !["message", "type", "param", "code"].includes(k));
  if (extra.length > 0) return `unexpected keys in error: ${extra.join(", ")}`;
  if (typeof e.message !== "string" || typeof e.type !== "string")
    return "message/type not strings";
  for (const k of ["param", "code"]) {
    if (!(k in e) || (e[k] !== null && typeof e[k] !== "string")) return `${k} not string or null`;
  }
  return null;
}

function shapeProblem(req: FuzzRequest, status: number, headers: Headers, body: unknown) {
  const seed = seedShapeProblem(status, headers, body);
  if (seed === null || !req.path.startsWith(OPENAI_ERROR_PREFIX)) return seed;
  const openAi = openAiShapeProblem(body);
  return openAi === null ? null : `${seed} (nor OpenAI's shape: ${openAi})`;
}

async function send(req: FuzzRequest): Promise<void> {
  hits.set(req.target, (hits.get(req.target) ?? 0) + 1);
  sent++;
  if (req.malformed) markedMalformed++;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), REQUEST_TIMEOUT_MS);
  });
  // Counted on completion, even after a timeout, so the row check stays exact.
  const counted = h
    .request(req.method, req.path, { token: req.token, headers: req.headers, rawBody: req.rawBody })
    .then((res) => {
      if (res.status >= 200 && res.status < 300) {
        if (req.creates) expectedDelta[req.creates]++;
        if (req.deletes) expectedDelta[req.deletes]--;
      }
      return res;
    });
  stragglers.add(counted);
  const forget = () => stragglers.delete(counted);
  counted.then(forget, forget);
  let outcome: Awaited<typeof counted> | "timeout";
  try {
    outcome = await Promise.race([counted, timeout]);
  } catch (error) {
    statusVsTimeViolations.push(`${describeRequest(req)} -> threw ${String(error)}`);
    return;
  } finally {
    clearTimeout(timer);
  }
  if (outcome === "timeout") {
    statusVsTimeViolations.push(`${describeRequest(req)} -> no answer in ${REQUEST_TIMEOUT_MS} ms`);
    return;
  }
  const { status, headers, body, text } = outcome;
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const ms = Math.round(performance.now() - started);
  const summary = () =>
    `${describeRequest(req)} -> ${status} in ${ms} ms: ${truncate(redact(text), 400)}`;
  if (status >= 500) statusVsTimeViolations.push(summary());
  if (status >= 200 && status < 300) {
    if (req.malformed) malformedSuccesses.push(`(${req.malformed}) ${summary()}`);
    return;
  }
  // A HEAD answer has no body by definition.
  if (req.method === "HEAD") return;
  const problem = shapeProblem(req, status, headers, body);
  if (problem) shapeViolations.push(`${problem}: ${summary()}`);
}

/** CONCURRENCY lanes pull requests in order, so generation (and the PRNG) stays sequential. */
async function runBatch(next: () => FuzzRequest | null) {
  const lane = async () => {
    for (let req = next(); req; req = next()) await send(req);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}

function report(title: string, violations: string[]): string {
  if (violations.length === 0) return title;
  const shown = violations.slice(0, 20).map((v) => `  ${truncate(v, 1_500)}`);
  return `${title}: ${violations.length} violation(s) with seed ${SEED}; first ${shown.length}:\n${shown.join("\n\n")}`;
}

async function setUpWorld() {
  await h.startWorker(4);
  const root = await createRootCa(h, "EC_prime256v1", "Fuzz Root CA");
  rootId = root.id;
  rootPem = root.certificate;
  const makeIntermediate = async (commonName: string) => {
    const res = await h.request<{ certificateAuthority: { id: string } }>(
      "POST",
      "/api/v1/pki/ca",
      {
        body: { type: "intermediate", commonName, keyAlgorithm: "EC_prime256v1" },
      },
    );
    expect(res.status, res.text).toBe(200);
    const id = res.body.certificateAuthority.id;
    const csr = await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${id}/csr`);
    expect(csr.status, csr.text).toBe(200);
    return { id, csr: csr.body.csr };
  };
  const inter = await makeIntermediate("Fuzz Issuing CA");
  intermediateId = inter.id;
  const signed = await h.request<{ certificate: string; certificateChain: string }>(
    "POST",
    `/api/v1/pki/ca/${rootId}/sign-intermediate`,
    { body: { csr: inter.csr, notAfter: inFuture(365) } },
  );
  expect(signed.status, signed.text).toBe(200);
  intermediatePem = signed.body.certificate;
  const imported = await h.request("POST", `/api/v1/pki/ca/${intermediateId}/import-certificate`, {
    body: { certificate: signed.body.certificate, certificateChain: signed.body.certificateChain },
  });
  expect(imported.status, imported.text).toBe(200);
  const pending = await makeIntermediate("Fuzz Pending CA");
  pendingId = pending.id;
  pendingCsr = pending.csr;

  profileId = await createProfile(h, intermediateId);
  spareProfileId = await createProfile(h, intermediateId);

  const victim = await h.request<{ token: { id: string } }>("POST", "/api/v1/tokens", {
    body: { name: "fuzz victim", scopes: ["certificates:revoke"] },
  });
  expect(victim.status, victim.text).toBe(201);
  victimTokenId = victim.body.token.id;
  const revoked = await h.request<{ token: { id: string }; value: string }>(
    "POST",
    "/api/v1/tokens",
    { body: { name: "fuzz revoked", scopes: ["admin"] } },
  );
  expect(revoked.status, revoked.text).toBe(201);
  const revokedDelete = await h.request("DELETE", `/api/v1/tokens/${revoked.body.token.id}`);
  expect(revokedDelete.status, revokedDelete.text).toBe(200);

  const scoped = async (scope: string): Promise<AuthVariant> => ({
    label: `token with only ${scope}`,
    token: await h.token([scope]),
    scopes: [scope],
  });
  const admin = h.adminToken;
  const bad = (label: string, header: string): AuthVariant => ({
    label,
    token: null,
    header,
    scopes: [],
  });
  auths = [
    { label: "admin", token: admin, scopes: ["admin"] },
    await scoped("certificates:read"),
    await scoped("certificates:issue"),
    await scoped("tokens:manage"),
    await scoped("profiles:manage"),
    { label: "lower-case scheme", token: null, header: `bearer ${admin}`, scopes: ["admin"] },
    { label: "tab after scheme", token: null, header: `Bearer\t${admin}`, scopes: ["admin"] },
    { label: "no Authorization", token: null, scopes: [] },
    bad("empty Authorization", ""),
    bad("scheme only", "Bearer"),
    bad("Basic", "Basic dXNlcjpwYXNz"),
    bad("Token scheme", `Token ${admin}`),
    bad("no scheme", admin),
    bad("two values", `Bearer ${admin} extra`),
    bad("token plus a character", `Bearer ${admin}x`),
    bad("10k-character token", `Bearer ${"a".repeat(10_000)}`),
    bad("two Bearer credentials", `Bearer ${admin},Bearer ${admin}`),
    bad("Latin-1 token", "Bearer \u00ff\u00fe\u00e9"),
    bad("SQL in token", "Bearer ' OR '1'='1"),
    bad("revoked token", `Bearer ${revoked.body.value}`),
  ];

  const first = await submit(h, {
    profileId,
    commonName: "seed.example.test",
    ttl: "7d",
    keyAlgorithm: "EC_prime256v1",
  });
  requestId = first.body.certificateRequestId;
  const done = await waitForRequest(h, requestId);
  expect(done.status, JSON.stringify(done)).toBe("issued");
  certificateId = done.certificateId ?? "";
  serialNumber = done.serialNumber ?? "";

  const openapi = await h.request<OpenApiDoc>("GET", "/openapi.json");
  expect(openapi.status, openapi.text).toBe(200);
  doc = openapi.body;
  routes = [...KNOWN_ROUTES, ...genericRoutes()];
  targets = [...routes.map(routeKey), WRONG_METHOD, UNKNOWN_ROUTE];
}

async function runFuzz() {
  const rng = mulberry32(SEED);
  const randomTotal = Math.max(MIN_RANDOM_REQUESTS, targets.length * (MIN_HITS_PER_TARGET + 5));
  let index = 0;
  const started = performance.now();
  await runBatch(() => (index < WARMUP ? generateRandom(rng, index++) : null));
  heapAfterWarmup = heapUsed();

  const specials = specialRequests();
  const total = randomTotal + specials.length;
  await runBatch(() => {
    if (index >= total) return null;
    // Spread the heavy and systematic cases through the run rather than bunching them.
    const due = index % 4 === 0 || total - index <= specials.length;
    const special = due ? specials.shift() : undefined;
    return special ? { ...special, index: index++ } : generateRandom(rng, index++);
  });
  elapsedMs = Math.round(performance.now() - started);
  // Bounded: only a request that already failed the timeout check can still be running.
  let straggleTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...stragglers]),
    new Promise((resolve) => {
      straggleTimer = setTimeout(resolve, REQUEST_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(straggleTimer);
  heapAtEnd = heapUsed();

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  const generic = routes.filter((r) => r.generic).map(routeKey);
  const gc = typeof (globalThis as { gc?: unknown }).gc === "function";
  console.log(
    `fuzz seed ${SEED}: ${sent} requests (${markedMalformed} known malformed) over ` +
      `${routes.length} routes in ${elapsedMs} ms; ` +
      `statuses ${histogram.join(" ")}; heap ${mb(heapAfterWarmup)} after warm-up, ` +
      `${mb(heapAtEnd)} at the end${gc ? "" : " (no gc exposed)"}` +
      (generic.length > 0 ? `; fuzzed from the OpenAPI document only: ${generic.join(", ")}` : ""),
  );
}

beforeAll(async () => {
  h = await createHarness({ syncWaitMs: 5_000 });
  await setUpWorld();
  baseline = await rowCounts();
  await runFuzz();
}, 240_000);
afterAll(() => h?.close());

describe(`API fuzz, seed ${SEED} (set CERTQ_FUZZ_SEED to replay another)`, () => {
  it("covers every route of the OpenAPI document, each many times", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Routes missing from the table are fuzzed from the document (see genericRoutes); the
    // table must not list routes that are gone. The document leaves itself out.
    const gone = KNOWN_ROUTES.map(routeKey).filter(
      (r) => r !== "GET /openapi.json" && !documented.includes(r),
    );
    expect(gone).toEqual([]);
    for (const target of targets) {
      expect(hits.get(target) ?? 0, target).toBeGreaterThanOrEqual(MIN_HITS_PER_TARGET);
    }
  });

  it("sent at least 1,200 requests", () => {
    expect(sent).toBeGreaterThanOrEqual(1_200);
  });

  it("no response is a 5xx and every request is answered in time", () => {
    expect(
      statusVsTimeViolations.length,
      report("5xx, thrown or hung", statusVsTimeViolations),
    ).toBe(0);
  });

  it("every error body is exactly the seed's {reqId, statusCode, message, error}", () => {
    expect(shapeViolations.length, report("error shape", shapeViolations)).toBe(0);
  });

  it("no request the generator knew to be malformed succeeded", () => {
    expect(malformedSuccesses.length, report("2xx for malformed", malformedSuccesses)).toBe(0);
  });

  it("rows exist only for the 2xx creations and deletions the fuzzer made", async () => {
    expect(await rowCounts()).toEqual({
      cas: baseline.cas + expectedDelta.cas,
      profiles: baseline.profiles + expectedDelta.profiles,
      tokens: baseline.tokens + expectedDelta.tokens,
    });
  });

  it("memory stays steady after the warm-up", () => {
    expect(heapAtEnd - heapAfterWarmup).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  });
});
