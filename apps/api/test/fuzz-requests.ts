/**
 * The fuzz test's requests (fuzz.test.ts): for each target, an arbitrary request built from the
 * input classes of fuzz-arbitraries.ts and the real IDs, credentials and bodies of its world.
 */
import fc from "fast-check";
import {
  ACCEPTS,
  type BodySource,
  binaryBody,
  CONTENT_TYPES_JSON,
  CONTENT_TYPES_WRONG,
  Droppable,
  encodeSegment,
  fuzzBody,
  hostileString,
  IDEMPOTENCY_KEYS,
  isSendableHeaderValue,
  JUNK_HEADERS,
  jsonValue,
  junkSegment,
  QUERIES,
  QUERY_VALUES,
  REQUEST_IDS,
  sometimes,
  TRAVERSAL_SEGMENTS,
  weighted,
} from "./fuzz-arbitraries";
import { type DocRoute, routeKey } from "./fuzz-openapi";

export type ParamKind = "ca" | "profile" | "token" | "request" | "serial" | "orgCert";
/** Path parameters whose real values we know; any other value names nothing. */
export const PARAM_KINDS: Record<string, ParamKind> = {
  caId: "ca",
  profileId: "profile",
  tokenId: "token",
  requestId: "request",
  serialNumber: "serial",
  certificate_id: "orgCert",
};
export const WRONG_METHOD = "wrong method on a known path";
export const UNKNOWN_ROUTE = "unknown route";
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND", "PURGE"];
// biome-ignore format: a table of paths, packed
/** Paths no version of this API serves; a 2xx here is a bug. */
const NONEXISTENT_PATHS = [
  "/", "/api", "/api/v2/pki/ca", "/api/v1/pki/ca/x/y/z", "/api/v1/tokens/x/y", "/.env", "/%00",
  "/admin", "/healthz/x", "/openapi.json/x", `/${"a".repeat(10_000)}`,
  "/api/v3/pki/certificates/issue-certificate/x",
];
// biome-ignore format: a table of paths, packed
/** Spellings a router might or might not normalise; any status below 500 is fine. */
const AMBIGUOUS_PATHS = [
  "//api/v1/tokens", "/API/V1/TOKENS", "/api/v1/tokens/", "/api/v1/pki/ca;jsessionid=1",
  "/api/v1/pki/ca/.", "/api/v1/./tokens", "/healthz%2F", "/openapi.json%00",
];

export interface Body extends BodySource {
  /** A valid body; `unique` keeps fields that must be unique (a profile's slug) apart. */
  make: (unique: string) => Record<string, unknown>;
}
export interface Route extends DocRoute {
  /** The scope the route asks for (found by asking it); null: public, or not known. */
  scope: string | null;
  bodies: Body[];
}
export interface Auth {
  label: string;
  /** The harness's own bearer token (null: none from the harness). */
  token: string | null;
  header?: string;
  /** Scopes this credential really has; "admin" means all. */
  scopes: string[];
}
export interface FuzzRequest {
  target: string;
  method: string;
  path: string;
  token: string | null;
  headers: Record<string, string>;
  rawBody?: string;
  /** Why a 2xx would be wrong, or null when the request may legitimately succeed. */
  malformed: string | null;
  note: string;
}
/** What the requests are made of: the world the test set up. */
export interface Fixtures {
  adminToken: string;
  ids: Record<ParamKind, string[]>;
  /** The admin first. */
  auths: Auth[];
  routes: Route[];
}
interface BodyPart {
  text?: string;
  headers: Record<string, string>;
  /** Why the body alone makes a 2xx wrong (null entries: no reason). */
  reasons: (string | null)[];
  note: string;
}

export const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;

/** A request with a readable, token-free description for fast-check's counterexamples. */
export function request(fields: FuzzRequest, adminToken: string): FuzzRequest {
  return Object.assign(fields, { [fc.toStringMethod]: () => describeRequest(fields, adminToken) });
}

export function describeRequest(req: FuzzRequest, adminToken: string): string {
  const redact = (text: string) => text.replaceAll(adminToken, "<admin>");
  const headers = { ...req.headers };
  if (headers.authorization) headers.authorization = redact(headers.authorization);
  const auth = req.token === null ? "" : req.token === adminToken ? " <admin>" : " <scoped>";
  const body =
    req.rawBody === undefined ? "" : ` ${JSON.stringify(truncate(redact(req.rawBody), 200))}`;
  const shown = truncate(JSON.stringify(headers), 200);
  return `${req.method} ${truncate(req.path, 160)} [${req.note}]${auth} ${shown}${body}`;
}

/** Whether the credential is refused on the route; null when that cannot be known. */
export function refused(auth: Auth, route: Route): boolean | null {
  if (!route.secured) return false;
  if (auth.scopes.length === 0) return true;
  if (auth.scopes.includes("admin")) return false;
  return route.scope === null ? null : !auth.scopes.includes(route.scope);
}

/** One round: a request for every route, a wrong method on a known path, an unknown path. */
export function roundArbitrary(world: Fixtures): fc.Arbitrary<(FuzzRequest | undefined)[]> {
  const make = (fields: FuzzRequest) => request(fields, world.adminToken);
  const [admin] = world.auths;
  if (!admin) throw new Error("no credentials");
  const auth = weighted([65, fc.constant(admin)], [35, fc.constantFrom(...world.auths)]);
  const everyId = Object.values(world.ids).flat();
  const jsonText = jsonValue.map((v) => JSON.stringify(v));
  const withAuth = (a: Auth, headers: Record<string, string>) =>
    a.header === undefined ? headers : { ...headers, authorization: a.header };

  const segment = (name: string, wellFormed: boolean) => {
    const kind = PARAM_KINDS[name];
    const real = kind ? world.ids[kind] : [];
    const part = (note: string, junk: boolean) => (segment: string) => ({ segment, junk, note });
    const realId = fc.constantFrom(...(real.length > 0 ? real : ["x"])).map(part("real id", false));
    if (wellFormed && real.length > 0) return realId;
    return weighted(
      [real.length > 0 ? 40 : 0, realId],
      // Junk is known to name nothing only where we know what the real values are.
      [48, junkSegment.map(part("junk id", kind !== undefined))],
      [6, fc.constantFrom(...TRAVERSAL_SEGMENTS).map(part("dot segment", false))],
      [
        6,
        fc
          .constantFrom(...everyId)
          .map((id) => part("other/upper-cased id", false)(id.toUpperCase())),
      ],
    );
  };
  const filled = (template: string, wellFormed = false) => {
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
    return fc.tuple(...names.map((name) => segment(name, wellFormed))).map((parts) => {
      let i = 0;
      const path = template.replace(/\{\w+\}/g, () => parts[i++]?.segment ?? "x");
      return { path, junk: parts.some((p) => p.junk), note: parts.map((p) => p.note).join(", ") };
    });
  };

  const queryValue = fc.oneof(fc.constantFrom(...QUERY_VALUES), hostileString);
  const pair = (name: string, value: string) =>
    `${encodeURIComponent(name)}=${encodeSegment(value)}`;
  /** One declared parameter with an odd value: the others stay valid, so it reaches the verb. */
  const oneParameter = (names: string[]) =>
    names.length === 0
      ? fc.constant("")
      : fc.tuple(fc.constantFrom(...names), queryValue).map(([n, v]) => `?${pair(n, v)}`);
  const query = (names: string[]) => {
    if (names.length === 0) return sometimes(15, fc.constantFrom(...QUERIES), "");
    const declared = fc
      .subarray(names, { minLength: 1 })
      .chain((chosen) =>
        fc
          .tuple(...chosen.map(() => queryValue))
          .map((values) => `?${chosen.map((n, i) => pair(n, values[i] ?? "")).join("&")}`),
      );
    return weighted([43, fc.constant("")], [50, declared], [7, fc.constantFrom(...QUERIES)]);
  };

  /** Odd Accept, idempotency keys, request IDs and junk, each only when fetch can send it. */
  const extras = (idempotencyPercent: number) =>
    fc
      .record({
        accept: sometimes(30, fc.constantFrom(...ACCEPTS), undefined),
        "idempotency-key": sometimes(
          idempotencyPercent,
          fc.oneof(fc.uuid(), fc.constantFrom(...IDEMPOTENCY_KEYS)),
          undefined,
        ),
        "x-request-id": sometimes(10, fc.constantFrom(...REQUEST_IDS), undefined),
        junk: sometimes(10, fc.constantFrom(...JUNK_HEADERS), {}),
      })
      .map(({ junk, ...named }) => {
        const all = [...Object.entries(junk), ...Object.entries(named)];
        return Object.fromEntries(
          all.filter(
            (e): e is [string, string] => e[1] !== undefined && isSendableHeaderValue(e[1]),
          ),
        );
      });

  type Typed = { type: string | undefined; refused: string | null };
  /** The Content-Type of a JSON body, and why it is refused, if it is. */
  const contentType = weighted<Typed>(
    [60, fc.constant({ type: "application/json", refused: null })],
    [20, fc.constantFrom(...CONTENT_TYPES_JSON).map((type) => ({ type, refused: null }))],
    [
      12,
      fc
        .constantFrom(...CONTENT_TYPES_WRONG)
        .map((type) => ({ type, refused: "wrong Content-Type" })),
    ],
    // fetch labels a string body text/plain when no type is given: still not JSON.
    [8, fc.constant({ type: undefined, refused: "no Content-Type" })],
  );
  const part = (
    text: string | undefined,
    type: string | undefined,
    note: string,
    reasons: (string | null)[] = [],
  ): BodyPart => ({
    text,
    headers: text === undefined || type === undefined ? {} : { "content-type": type },
    reasons,
    note,
  });
  /** A JSON route's body (fuzzed and typed), raw bytes for a non-JSON one, else rarely junk. */
  const bodyFor = (route: Route, wellFormed: boolean): fc.Arbitrary<BodyPart> => {
    if (route.bodies.length > 0) {
      const kind = wellFormed ? "values" : "any";
      const typed = wellFormed
        ? fc.constant({ type: "application/json", refused: null })
        : contentType;
      return fc
        .tuple(fc.oneof(...route.bodies.map((b) => fuzzBody(b, kind))), typed)
        .map(([b, ct]) => part(b.text, ct.type, b.note, [b.malformed, ct.refused]));
    }
    if (route.rawBodyType) {
      const type = sometimes(20, fc.constantFrom(...CONTENT_TYPES_WRONG), route.rawBodyType);
      const bytes = weighted([7, binaryBody], [3, jsonText]);
      return fc.tuple(bytes, type).map(([text, t]) => part(text, t, "raw bytes"));
    }
    if (route.method === "GET") return fc.constant(part(undefined, undefined, "no body"));
    return sometimes(20, jsonText, undefined).map((text) =>
      part(text, "application/json", "junk body"),
    );
  };

  /**
   * Three in five requests are well-formed (a credential the route accepts, real IDs, JSON) with
   * only values damaged, so the handler runs, not just the validator; the rest damage anything.
   */
  const forRoute = (route: Route, wellFormed: boolean) =>
    fc
      .record({
        auth: wellFormed
          ? fc.constantFrom(...world.auths.filter((a) => refused(a, route) === false))
          : auth,
        path: filled(route.template, wellFormed),
        query: wellFormed ? sometimes(40, oneParameter(route.query), "") : query(route.query),
        head: route.method === "GET" ? sometimes(3, fc.constant(true), false) : fc.constant(false),
        body: bodyFor(route, wellFormed),
        extras: extras(route.idempotent ? 50 : 5),
      })
      .map((p) => {
        const reasons = [
          refused(p.auth, route) ? `auth ${p.auth.label}` : null,
          p.path.junk ? "no such resource" : null,
          ...p.body.reasons,
        ].filter((r): r is string => r !== null);
        return make({
          target: routeKey(route),
          method: p.head ? "HEAD" : route.method,
          path: p.path.path + p.query,
          token: p.auth.token,
          headers: withAuth(p.auth, { ...p.extras, ...p.body.headers }),
          rawBody: p.body.text,
          malformed: reasons.length > 0 ? reasons.join(", ") : null,
          note: [`auth: ${p.auth.label}`, p.path.note, p.body.note].filter(Boolean).join("; "),
        });
      });

  /** A request on no route: a JSON body only where the method carries one. */
  const offRoute = (
    target: string,
    p: { auth: Auth; method: string; path: string; body?: string; extras: Record<string, string> },
    malformed: string | null,
    note: string,
  ) => {
    const hasBody = !["GET", "HEAD"].includes(p.method) && p.body !== undefined;
    const type: Record<string, string> = hasBody ? { "content-type": "application/json" } : {};
    return make({
      target,
      method: p.method,
      path: p.path,
      token: p.auth.token,
      headers: withAuth(p.auth, { ...p.extras, ...type }),
      rawBody: hasBody ? p.body : undefined,
      malformed,
      note: `auth: ${p.auth.label}${note}`,
    });
  };
  const wrongMethod = fc.constantFrom(...world.routes).chain((route) => {
    const served = world.routes.filter((r) => r.template === route.template).map((r) => r.method);
    // HEAD is answered by the GET handler; fetch leaves "patch" lower-case, and routers match
    // methods case-sensitively.
    const wrong = METHODS.filter(
      (m) => !served.includes(m) && !(m === "HEAD" && served.includes("GET")),
    );
    if (!served.includes("PATCH")) wrong.push("patch");
    const body = route.bodies[0]?.valid.map((b) => JSON.stringify(b)) ?? jsonText;
    return fc
      .record({
        auth,
        method: fc.constantFrom(...wrong),
        path: filled(route.template),
        body: sometimes(50, body, undefined),
        extras: extras(5),
      })
      .map((p) =>
        offRoute(
          WRONG_METHOD,
          { ...p, path: p.path.path },
          "method not served on this path",
          `; ${p.path.note}`,
        ),
      );
  });
  const unknownRoute = fc
    .record({
      auth,
      method: fc.constantFrom(...METHODS),
      path: weighted<[string, string | null]>(
        [6, fc.constantFrom(...NONEXISTENT_PATHS).map((path) => [path, "no such route"])],
        [4, fc.constantFrom(...AMBIGUOUS_PATHS).map((path) => [path, null])],
      ),
      query: query([]),
      body: sometimes(50, jsonText, undefined),
      extras: extras(5),
    })
    .map((p) => offRoute(UNKNOWN_ROUTE, { ...p, path: p.path[0] + p.query }, p.path[1], ""));

  const perRoute = world.routes.map((r) =>
    weighted([3, forRoute(r, true)], [2, forRoute(r, false)]),
  );
  return fc.tuple(...[...perRoute, wrongMethod, unknownRoute].map((arb) => new Droppable(arb)));
}
