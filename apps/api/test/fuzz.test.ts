// The API fuzz test, on fast-check. Every route of the OpenAPI document the app serves (plus a
// wrong method on a known path, and unknown paths) gets ROUNDS random requests; the hand-made
// cases (a sweep of every body field, deep JSON, bodies near 1 MiB) run first, as examples.
// One property run is a round: one request per target, sent CONCURRENCY at a time.
//
// Replay a failure: fast-check prints `{ seed: S, path: "P" }` above the counterexample.
//   CERTQ_FUZZ_SEED=S CERTQ_FUZZ_PATH=P npx vitest run apps/api/test/fuzz.test.ts
// replays just that round and shrinks it further (the coverage checks then fail: one round ran).
// CERTQ_FUZZ_SEED=S alone replays the whole run; any other seed explores a new sequence.

import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, TEST_POLICY, waitForRequest } from "./fixtures";
import {
  damagedPems,
  deepJson,
  encodeSegment,
  PEM_FIELDS,
  replaceLeaf,
  SWEEP_VALUES,
  stringLeaves,
  withMember,
} from "./fuzz-arbitraries";
import { errorShapeProblem, reachedHandler } from "./fuzz-checks";
import {
  type DocRoute,
  exampleFromSchema,
  type OpenApiDoc,
  routeKey,
  routesOf,
} from "./fuzz-openapi";
import {
  type Auth,
  describeRequest,
  type Fixtures,
  type FuzzRequest,
  PARAM_KINDS,
  type Route,
  request,
  roundArbitrary,
  truncate,
  UNKNOWN_ROUTE,
  WRONG_METHOD,
} from "./fuzz-requests";
import { createHarness, type Harness } from "./harness";

const SEED = Number(process.env.CERTQ_FUZZ_SEED ?? 0x5eed_c0de);
const PATH = process.env.CERTQ_FUZZ_PATH;
const ROUNDS = 36;
const MIN_HITS_PER_TARGET = 30;
/** Requests per route that got past auth and validation into the handler. */
const MIN_HANDLER_HITS = 10;
const CONCURRENCY = 12;
const REQUEST_TIMEOUT_MS = 10_000;
/** After the first failure, how long fast-check may shrink it (each try is HTTP requests). */
const SHRINK_BUDGET_MS = 60_000;
const WARMUP_RUNS = 5;
const MAX_BODY_BYTES = 1024 * 1024;
// Generous: heapUsed without an exposed gc() includes garbage V8 has not collected yet, and
// the harness keeps every log line in memory. A per-request leak of the request context or
// body (over 1,000 requests, several of them a MiB) would still go far past it.
const MAX_HEAP_GROWTH_BYTES = 150 * 1024 * 1024;

type Counted = "cas" | "profiles" | "tokens";

/** The rows a 2xx of these routes adds or removes, for the "nothing else changed" check. */
const EFFECTS: Record<string, [Counted, 1 | -1]> = {
  "POST /api/v1/pki/ca": ["cas", 1],
  "POST /api/v1/tokens": ["tokens", 1],
  "DELETE /api/v1/tokens/{tokenId}": ["tokens", -1],
  "POST /api/v1/cert-manager/certificate-profiles": ["profiles", 1],
  "DELETE /api/v1/cert-manager/certificate-profiles/{profileId}": ["profiles", -1],
};
interface World extends Fixtures {
  rootId: string;
  rootPem: string;
  intermediateId: string;
  intermediatePem: string;
  pendingCsr: string;
  profileId: string;
  targets: string[];
}

let h: Harness;
let w: World;
let run: fc.RunDetails<unknown>;
const hits = new Map<string, number>();
const handlerHits = new Map<string, number>();
const statuses = new Map<number, number>();
const expectedDelta: Record<Counted, number> = { cas: 0, profiles: 0, tokens: 0 };
const stragglers = new Set<Promise<unknown>>();
let baseline: Record<Counted, number>;
let heapAfterWarmup = 0;
let heapAtEnd = 0;
let rounds = 0;
let sent = 0;
let markedMalformed = 0;

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const redact = (text: string) => text.replaceAll(h.adminToken, "<admin>");

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

/** Valid bodies of the routes whose real inputs a schema cannot guess (PEMs, IDs, policies). */
function knownBodies(world: Omit<World, "routes" | "targets" | "auths" | "adminToken">) {
  const { rootPem, intermediateId, intermediatePem, pendingCsr, profileId } = world;
  const leaf = { profileId, commonName: "fuzz.example.test", ttl: "7d" };
  const bodies: Record<string, ((unique: string) => Record<string, unknown>)[]> = {
    "POST /api/v1/pki/ca": [
      () => ({
        type: "root",
        commonName: "Fuzz Root",
        organization: "Fuzz",
        country: "NL",
        keyAlgorithm: "EC_prime256v1",
        maxPathLength: 0,
      }),
    ],
    "PATCH /api/v1/pki/ca/{caId}": [() => ({ status: "active" })],
    "POST /api/v1/pki/ca/{caId}/import-certificate": [
      () => ({ certificate: intermediatePem, certificateChain: rootPem }),
    ],
    "POST /api/v1/pki/ca/{caId}/sign-intermediate": [
      () => ({ csr: pendingCsr, notAfter: inFuture(30), maxPathLength: 0 }),
    ],
    "POST /api/v1/tokens": [
      () => ({ name: "fuzz token", scopes: ["certificates:read"], expiresAt: inFuture(1) }),
    ],
    "POST /api/v1/cert-manager/certificate-profiles": [
      (unique) => ({
        slug: `fuzz-profile-${unique}`,
        description: "fuzz",
        caId: intermediateId,
        defaults: { ttl: "30d" },
        policy: TEST_POLICY,
      }),
    ],
    "PATCH /api/v1/cert-manager/certificate-profiles/{profileId}": [
      () => ({ description: "fuzzed" }),
    ],
    "POST /api/v1/cert-manager/certificates": [
      () => ({
        ...leaf,
        keyAlgorithm: "EC_prime256v1",
        altNames: [{ type: "dns_name", value: leaf.commonName }],
      }),
      () => ({ profileId, csr: pendingCsr, ttl: "7d" }),
    ],
    "POST /api/v3/pki/certificates/issue-certificate": [
      () => ({ ...leaf, signatureAlgorithm: "ECDSA-SHA256", keyAlgorithm: "EC_prime256v1" }),
    ],
  };
  return bodies;
}

/** The routes of the document, each with its scope (asked of the app) and valid bodies. */
async function describeRoutes(
  doc: OpenApiDoc,
  world: Omit<World, "routes" | "targets" | "auths" | "adminToken">,
  probes: string[],
): Promise<Route[]> {
  const known = knownBodies(world);
  const idFor = (name: string) => {
    const kind = PARAM_KINDS[name];
    if (kind) return world.ids[kind][0];
    if (/^certificate_ids?$/.test(name)) return world.ids.orgCert[1];
    return PEM_FIELDS.includes(name) ? world.intermediatePem : undefined;
  };
  // The document leaves itself out.
  const openapi: DocRoute = {
    method: "GET",
    template: "/openapi.json",
    secured: false,
    query: [],
    idempotent: false,
  };
  return Promise.all(
    [openapi, ...routesOf(doc)].map(async (route): Promise<Route> => {
      const json = route.json;
      const makers =
        known[routeKey(route)] ??
        (json
          ? [() => exampleFromSchema(json.schema, doc, "", idFor) as Record<string, unknown>]
          : []);
      const bodies = makers.map((make, i) => ({
        label: `${routeKey(route)} body ${i}`,
        make,
        valid: fc.uuid({ version: 4 }).map(make),
        required: json?.required ?? true,
        strict: json?.strict ?? true,
        typed: json?.typed ?? (() => true),
      }));
      return { ...route, scope: route.secured ? await askScope(route, probes) : null, bodies };
    }),
  );
}

/**
 * The scope a route asks for, from its 403 to a token holding another scope (auth runs before
 * validation, and the IDs name nothing, so the probe changes nothing). null: not found out.
 */
async function askScope(route: DocRoute, probes: string[]): Promise<string | null> {
  const path = route.template.replace(/\{\w+\}/g, "00000000-0000-0000-0000-000000000000");
  for (const token of probes) {
    const res = await h.request<{ details?: { requiredScope?: unknown } }>(route.method, path, {
      token,
      headers: { "content-type": "application/json" },
      rawBody: route.method === "GET" || route.method === "DELETE" ? undefined : "{}",
    });
    if (res.status !== 403) continue;
    const scope =
      res.body.details?.requiredScope ?? /lacks the scope '([^']+)'/.exec(res.text)?.[1];
    if (typeof scope === "string") return scope;
  }
  return null;
}

async function setUpWorld(): Promise<World> {
  await h.startWorker(4);
  const root = await createRootCa(h, "EC_prime256v1", "Fuzz Root CA");
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
  const signed = await h.request<{ certificate: string; certificateChain: string }>(
    "POST",
    `/api/v1/pki/ca/${root.id}/sign-intermediate`,
    { body: { csr: inter.csr, notAfter: inFuture(365) } },
  );
  expect(signed.status, signed.text).toBe(200);
  const imported = await h.request("POST", `/api/v1/pki/ca/${inter.id}/import-certificate`, {
    body: { certificate: signed.body.certificate, certificateChain: signed.body.certificateChain },
  });
  expect(imported.status, imported.text).toBe(200);
  const pending = await makeIntermediate("Fuzz Pending CA");
  const profileId = await createProfile(h, inter.id);
  const spareProfileId = await createProfile(h, inter.id);

  const victim = await h.request<{ token: { id: string } }>("POST", "/api/v1/tokens", {
    body: { name: "fuzz victim", scopes: ["certificates:revoke"] },
  });
  expect(victim.status, victim.text).toBe(201);
  const revoked = await h.request<{ token: { id: string }; value: string }>(
    "POST",
    "/api/v1/tokens",
    {
      body: { name: "fuzz revoked", scopes: ["admin"] },
    },
  );
  expect(revoked.status, revoked.text).toBe(201);
  const revokedDelete = await h.request("DELETE", `/api/v1/tokens/${revoked.body.token.id}`);
  expect(revokedDelete.status, revokedDelete.text).toBe(200);

  const first = await submit(h, {
    profileId,
    commonName: "seed.example.test",
    ttl: "7d",
    keyAlgorithm: "EC_prime256v1",
  });
  const requestId = first.body.certificateRequestId;
  const done = await waitForRequest(h, requestId);
  expect(done.status, JSON.stringify(done)).toBe("issued");
  const certificateId = done.certificateId ?? "";

  const base = {
    rootId: root.id,
    rootPem: root.certificate,
    intermediateId: inter.id,
    intermediatePem: signed.body.certificate,
    pendingCsr: pending.csr,
    profileId,
    ids: {
      ca: [root.id, inter.id, pending.id],
      profile: [profileId, spareProfileId],
      token: [victim.body.token.id],
      request: [requestId],
      serial: [done.serialNumber ?? ""],
      orgCert: [certificateId, `cert_${certificateId.replaceAll("-", "")}`],
    },
  };
  const probes = [await h.token(["certificates:revoke"]), await h.token(["certificates:read"])];
  const doc = await h.request<OpenApiDoc>("GET", "/openapi.json");
  expect(doc.status, doc.text).toBe(200);
  const routes = await describeRoutes(doc.body, base, probes);

  const admin = h.adminToken;
  const scopes = [
    ...new Set(routes.flatMap((r) => (r.scope && r.scope !== "admin" ? [r.scope] : []))),
  ];
  const bad = (label: string, header: string): Auth => ({ label, token: null, header, scopes: [] });
  const auths: Auth[] = [
    { label: "admin", token: admin, scopes: ["admin"] },
    // A token with exactly the scope of each route, which every other scoped route refuses.
    ...(await Promise.all(
      scopes.map(async (scope) => ({
        label: `only ${scope}`,
        token: await h.token([scope]),
        scopes: [scope],
      })),
    )),
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
  const targets = [...routes.map(routeKey), WRONG_METHOD, UNKNOWN_ROUTE];
  return { ...base, adminToken: admin, auths, routes, targets };
}

/** The hand-made cases: a sweep of every body field, deep JSON, bodies near 1 MiB. */
function specialRequests(world: World): FuzzRequest[] {
  const json = { "content-type": "application/json" };
  const realPath = (template: string) =>
    template.replace(
      /\{(\w+)\}/g,
      (_, name: string) => world.ids[PARAM_KINDS[name] ?? "ca"]?.[0] ?? "x",
    );
  const admin = (
    route: Route,
    rawBody: string | undefined,
    malformed: string | null,
    note: string,
    query = "",
  ) =>
    request(
      {
        target: routeKey(route),
        method: route.method,
        path: realPath(route.template) + query,
        token: h.adminToken,
        headers: rawBody === undefined ? {} : json,
        rawBody,
        malformed,
        note,
      },
      h.adminToken,
    );
  const sweep: FuzzRequest[] = [];
  const heavy: FuzzRequest[] = [];
  let unique = 0;
  for (const route of world.routes) {
    // Every declared query parameter, and every string field of every body, once with each sweep value: random draws alone would
    // reach a given field with a given hostile value only by luck.
    for (const name of route.query) {
      for (const value of SWEEP_VALUES) {
        const note = `sweep ?${name}=${JSON.stringify(value.slice(0, 40))}`;
        sweep.push(
          admin(
            route,
            undefined,
            null,
            note,
            `?${encodeURIComponent(name)}=${encodeSegment(value)}`,
          ),
        );
      }
    }
    for (const body of route.bodies) {
      const base = body.make(`sweep-${++unique}`);
      for (const leaf of stringLeaves(base)) {
        const original = String(leaf.reduce<unknown>((v, k) => (v as never)[k], base));
        const values = PEM_FIELDS.includes(String(leaf[0]))
          ? [...SWEEP_VALUES, ...damagedPems(original)]
          : SWEEP_VALUES;
        for (const value of values) {
          const text = JSON.stringify(replaceLeaf(body.make(`sweep-${++unique}`), leaf, value));
          sweep.push(
            admin(
              route,
              text,
              null,
              `sweep ${body.label}.${leaf.join(".")} = ${JSON.stringify(value.slice(0, 40))}`,
            ),
          );
        }
      }
    }
    const [body] = route.bodies;
    if (!body) continue;
    const base = body.make(`deep-${++unique}`);
    const firstKey = Object.keys(base)[0];
    heavy.push(
      admin(route, deepJson("array", 5_000), "body is not an object", "arrays nested 5,000 deep"),
      admin(
        route,
        deepJson("object", 5_000),
        body.strict ? "unknown key" : null,
        "objects nested 5,000 deep",
      ),
    );
    if (firstKey) {
      const malformed = body.typed(firstKey) ? `${firstKey} is nested arrays` : null;
      heavy.push(
        admin(
          route,
          withMember(base, firstKey, deepJson("array", 5_000)),
          malformed,
          `${firstKey} nested 5,000 deep`,
        ),
      );
    }
  }
  const padTo = (prefix: string, suffix: string, bytes: number, fill = "a") => {
    const room = bytes - Buffer.byteLength(prefix) - Buffer.byteLength(suffix);
    return `${prefix}${fill.repeat(Math.floor(room / Buffer.byteLength(fill)))}${suffix}`;
  };
  const route = (key: string) => {
    const found = world.routes.find((r) => routeKey(r) === key);
    if (!found) throw new Error(`no route ${key}`);
    return found;
  };
  const under = MAX_BODY_BYTES - 16;
  const createCa = route("POST /api/v1/pki/ca");
  const caPrefix = '{"type":"root","commonName":"';
  heavy.push(
    admin(createCa, padTo(caPrefix, '"}', under), "commonName too long", "body just under 1 MiB"),
    admin(
      createCa,
      padTo(caPrefix, '"}', under, "é"),
      "commonName too long",
      "multi-byte body just under 1 MiB",
    ),
    admin(
      createCa,
      padTo(caPrefix, '"}', MAX_BODY_BYTES + 1),
      "body over 1 MiB",
      "body 1 MiB + 1 byte",
    ),
    admin(
      route("POST /api/v1/tokens"),
      padTo('{"name":"', '","scopes":["admin"]}', 2 * MAX_BODY_BYTES),
      "body over 1 MiB",
      "body 2 MiB",
    ),
    admin(
      route("POST /api/v1/cert-manager/certificates"),
      `{"profileId":"${world.profileId}","altNames":[${"1,".repeat((under - 100) / 2)}1]}`,
      "altNames are numbers",
      "altNames: half a million numbers, just under 1 MiB",
    ),
    admin(
      route("PATCH /api/v1/pki/ca/{caId}"),
      padTo('{"status":"active"', "}", under, " "),
      null,
      "valid body padded with whitespace to just under 1 MiB",
    ),
  );
  return [...sweep, ...heavy];
}

/** Sends one request; returns what is wrong with the answer, if anything. */
async function send(req: FuzzRequest): Promise<string | null> {
  count(hits, req.target);
  sent++;
  if (req.malformed) markedMalformed++;
  const effect = EFFECTS[req.target];
  const started = performance.now();
  // Counted on completion, even after a timeout, so the row check stays exact.
  const answer = h
    .request(req.method, req.path, { token: req.token, headers: req.headers, rawBody: req.rawBody })
    .then((res) => {
      if (effect && res.status >= 200 && res.status < 300) expectedDelta[effect[0]] += effect[1];
      return res;
    });
  stragglers.add(answer);
  const forget = () => stragglers.delete(answer);
  answer.then(forget, forget);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), REQUEST_TIMEOUT_MS);
  });
  let outcome: Awaited<typeof answer> | "timeout";
  try {
    outcome = await Promise.race([answer, timeout]);
  } catch (error) {
    return `${describeRequest(req, h.adminToken)} -> threw ${String(error)}`;
  } finally {
    clearTimeout(timer);
  }
  if (outcome === "timeout")
    return `${describeRequest(req, h.adminToken)} -> no answer in ${REQUEST_TIMEOUT_MS} ms`;
  const { status, headers, body, text } = outcome;
  count(statuses, status);
  if (reachedHandler(req.path, status, body)) count(handlerHits, req.target);
  const ms = Math.round(performance.now() - started);
  const summary = `${describeRequest(req, h.adminToken)} -> ${status} in ${ms} ms: ${truncate(redact(text), 400)}`;
  if (status >= 500) return `5xx: ${summary}`;
  if (status >= 200 && status < 300)
    return req.malformed ? `2xx for malformed input (${req.malformed}): ${summary}` : null;
  // A HEAD answer has no body by definition.
  if (req.method === "HEAD") return null;
  const problem = errorShapeProblem(req.path, status, headers, body);
  return problem ? `error body: ${problem}: ${summary}` : null;
}

/** One property run: the round's requests, CONCURRENCY lanes pulling them in order. */
async function sendRound(round: (FuzzRequest | undefined)[]): Promise<void> {
  const queue = round.filter((r): r is FuzzRequest => r !== undefined);
  const problems: string[] = [];
  const lane = async () => {
    for (let req = queue.shift(); req; req = queue.shift()) {
      const problem = await send(req);
      if (problem) problems.push(problem);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  if (++rounds === WARMUP_RUNS) heapAfterWarmup = heapUsed();
  if (problems.length > 0) throw new Error(problems.map((p) => truncate(p, 1_500)).join("\n\n"));
}

/**
 * Shrinking over HTTP is slow: SHRINK_BUDGET_MS after the first failure, candidates no longer
 * run (they count as passing), so fast-check reports the smallest failure found by then.
 */
const boundedShrinking =
  (budgetMs: number): fc.UniversalPlugin =>
  () => {
    let deadline = Number.POSITIVE_INFINITY;
    return {
      decorateRun: (runOne) => async (value) => {
        if (Date.now() > deadline) return null;
        const outcome = await runOne(value);
        if (outcome !== null && !fc.PreconditionFailure.isFailure(outcome)) {
          deadline = Math.min(deadline, Date.now() + budgetMs);
        }
        return outcome;
      },
    };
  };

async function runFuzz() {
  const examples = [];
  const specials = specialRequests(w);
  for (let i = 0; i < specials.length; i += w.targets.length) {
    examples.push([specials.slice(i, i + w.targets.length)] as [(FuzzRequest | undefined)[]]);
  }
  const started = performance.now();
  run = await fc.check(fc.asyncProperty(roundArbitrary(w), sendRound), {
    seed: SEED,
    path: PATH,
    numRuns: examples.length + ROUNDS,
    examples,
    includeErrorInReport: true,
    plugins: [boundedShrinking(SHRINK_BUDGET_MS)],
  });
  const elapsedMs = Math.round(performance.now() - started);
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
  const [fewest] = w.routes
    .map((r) => `${handlerHits.get(routeKey(r)) ?? 0} (${routeKey(r)})`)
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  console.log(
    `fuzz seed ${SEED}: ${rounds} rounds (${examples.length} of hand-made cases), ${sent} requests ` +
      `(${markedMalformed} known malformed) over ${w.routes.length} routes in ${elapsedMs} ms; ` +
      `fewest handler hits ${fewest}; statuses ${histogram.join(" ")}; ` +
      `heap ${mb(heapAfterWarmup)} after warm-up, ${mb(heapAtEnd)} at the end`,
  );
}

beforeAll(async () => {
  h = await createHarness({ syncWaitMs: 5_000 });
  w = await setUpWorld();
  baseline = await rowCounts();
  await runFuzz();
}, 300_000);
afterAll(() => h?.close());

describe(`API fuzz on fast-check, seed ${SEED} (CERTQ_FUZZ_SEED / CERTQ_FUZZ_PATH replay)`, () => {
  it("no 5xx, no hang, exact error bodies, no 2xx for input known to be malformed", async () => {
    if (run.failed) throw new Error(await fc.asyncDefaultReportMessage(run));
  });

  it("covers every route of the OpenAPI document many times, past auth and validation too", () => {
    for (const target of w.targets) {
      expect(hits.get(target) ?? 0, target).toBeGreaterThanOrEqual(MIN_HITS_PER_TARGET);
    }
    for (const route of w.routes.map(routeKey)) {
      expect(handlerHits.get(route) ?? 0, `${route} in its handler`).toBeGreaterThanOrEqual(
        MIN_HANDLER_HITS,
      );
    }
    expect(sent).toBeGreaterThanOrEqual(1_200);
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
