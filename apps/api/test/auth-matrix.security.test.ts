import { randomBytes, randomUUID } from "node:crypto";
import { SCOPES, type Scope } from "@certq/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";
import { type RouteEntry, routeTable } from "./route-table";

/**
 * One generated auth matrix: every route the app registers (read from app.routes), each
 * route's scope read from the middleware that checks it (authorize / requiringScope), so a
 * route added later is in the matrix without anyone listing it here. That the README
 * documents the same scopes is readme-routes.test.ts's check.
 */

/** A concrete URL for a pattern: params get plausible values, so the request reaches auth. */
function concretePath(pattern: string): string {
  return pattern
    .replace(/:serialNumber\b/g, randomBytes(20).toString("hex").replace(/^./, "1"))
    .replace(/:certificate_id\b/g, `cert_${randomBytes(16).toString("hex")}`)
    .replace(/:(\w+)(\{[^}]*\})?/g, () => randomUUID())
    .replace(/\*$/, "main.js");
}

let h: Harness;
let table: ReturnType<typeof routeTable>;
const tokens = new Map<string, string>();

/** A token holding exactly these scopes (created once per set). */
async function tokenWith(scopes: Scope[]): Promise<string> {
  const key = [...scopes].sort().join(" ");
  let value = tokens.get(key);
  if (!value) {
    const res = await h.request<{ value: string }>("POST", "/api/v1/tokens", {
      body: { name: `matrix ${tokens.size}`, scopes },
    });
    expect(res.status, res.text).toBe(201);
    value = res.body.value;
    tokens.set(key, value);
  }
  return value;
}

beforeAll(async () => {
  h = await createHarness();
  table = routeTable(h.app.routes as RouteEntry[]);
});
afterAll(() => h.close());

async function call(method: string, pattern: string, token: string | null) {
  // A JSON body on every method that takes one: content checks run before auth.
  const hasBody = !["GET", "HEAD", "DELETE"].includes(method);
  const res = await h.request<Record<string, unknown>>(method, concretePath(pattern), {
    token,
    body: hasBody ? {} : undefined,
  });
  expectSecurityHeaders(`${method} ${pattern}`, res.status, res.headers);
  return res;
}

/** On every response; an error (or anything behind auth) is never cached. */
function expectSecurityHeaders(label: string, status: number, headers: Headers) {
  expect(headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(headers.get("referrer-policy"), label).toBe("no-referrer");
  expect(headers.get("x-frame-options"), label).toBe("DENY");
  if (status >= 400) expect(headers.get("cache-control"), label).toBe("no-store");
}

/** The error body of this route family: the seed's, or OpenAI's under /v1/organization. */
function expectErrorShape(pattern: string, status: number, body: unknown, details?: unknown) {
  if (pattern.startsWith("/v1/organization/")) {
    expect(body).toEqual({
      error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }),
    });
    return;
  }
  expect(body).toEqual({
    reqId: expect.stringMatching(/^req-/),
    statusCode: status,
    message: expect.any(String),
    error: expect.any(String),
    ...(details === undefined ? {} : { details }),
  });
}

describe("auth matrix", () => {
  it("reads a plausible route table from the app", () => {
    expect(table.length).toBeGreaterThan(60);
    expect(table.find((r) => r.path === "/api/v1/tokens" && r.method === "POST")?.scopes).toEqual(
      new Set(["tokens:manage"]),
    );
    expect(table.find((r) => r.path === "/metrics")?.scopes).toEqual(new Set(["metrics:read"]));
    expect(table.find((r) => r.path === "/admin/queues/api/queues")?.scopes).toEqual(
      new Set(["admin"]),
    );
  });

  it("public routes answer without a token (never 401 or 403)", async () => {
    for (const route of table.filter((r) => r.scopes.size === 0)) {
      const res = await call(route.method, route.path, null);
      expect([401, 403], `${route.method} ${route.path}: ${res.text.slice(0, 300)}`).not.toContain(
        res.status,
      );
    }
  });

  it("every other route: 401 without a token and with an unknown one", async () => {
    for (const route of table.filter((r) => r.scopes.size > 0)) {
      for (const token of [null, `certq_${randomBytes(32).toString("base64url")}`]) {
        const res = await call(route.method, route.path, token);
        const label = `${route.method} ${route.path} (${token ? "unknown token" : "no token"})`;
        expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBe(401);
        expectErrorShape(route.path, 401, res.body);
      }
    }
  });

  it("every other route: 403 for a token holding every scope but the one it needs", async () => {
    for (const route of table.filter((r) => r.scopes.size > 0)) {
      for (const scope of route.scopes) {
        const others = SCOPES.filter((s) => s !== scope && s !== "admin");
        const res = await call(route.method, route.path, await tokenWith(others));
        const label = `${route.method} ${route.path} without ${scope}`;
        expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBe(403);
        expectErrorShape(route.path, 403, res.body, { requiredScope: scope });
      }
    }
  });

  it("every route needing one scope (not admin) lets a token holding only it past auth", async () => {
    for (const route of table.filter((r) => r.scopes.size === 1 && !r.scopes.has("admin"))) {
      const [scope] = [...route.scopes] as [Scope];
      const res = await call(route.method, route.path, await tokenWith([scope]));
      expect(
        [401, 403],
        `${route.method} ${route.path} with ${scope}: ${res.text.slice(0, 300)}`,
      ).not.toContain(res.status);
    }
  });
});

describe("security headers", () => {
  it("no-store on secrets and errors (404, 413, 422); public CA material keeps its caching", async () => {
    const created = await h.request("POST", "/api/v1/tokens", {
      body: { name: "headers", scopes: ["cas:manage"] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const list = await h.request("GET", "/api/v1/pki/ca");
    expect(list.headers.get("cache-control")).toBe("no-store");

    const missing = await h.request("GET", "/no/such/route", { token: null });
    expect(missing.status).toBe(404);
    expectSecurityHeaders("404", missing.status, missing.headers);
    const tooLarge = await h.request("POST", "/api/v1/pki/ca", {
      rawBody: "x".repeat(1_100_000),
      headers: { "content-type": "application/json" },
    });
    expect(tooLarge.status).toBe(413);
    expectSecurityHeaders("413", tooLarge.status, tooLarge.headers);
    const invalid = await h.request("POST", "/api/v1/pki/ca", { body: { type: "nonsense" } });
    expect(invalid.status).toBe(422);
    expectSecurityHeaders("422", invalid.status, invalid.headers);

    const ca = await h.request<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: "Headers Root", keyAlgorithm: "EC_prime256v1" },
    });
    expect(ca.status, ca.text).toBe(200);
    const caId = ca.body.certificateAuthority.id;
    const crl = await h.request("GET", `/api/v1/pki/ca/${caId}/crl`, { token: null });
    expect(crl.status, crl.text).toBe(200);
    expect(crl.headers.get("cache-control")).toBe("public, max-age=300");
    expectSecurityHeaders("crl", crl.status, crl.headers);
    const der = await h.request("GET", `/api/v1/pki/ca/${caId}/certificate/der`, { token: null });
    expect(der.headers.get("cache-control")).toBe("public, max-age=3600");
    const docs = await h.request("GET", "/docs", { token: null });
    expect(docs.status).toBe(200);
    expectSecurityHeaders("docs", docs.status, docs.headers);
  });
});
