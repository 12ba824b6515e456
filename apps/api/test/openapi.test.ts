import { validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

// Served by hono directly rather than described routes: the document, its viewer, metrics,
// the bull-board dashboard under /admin/queues (an HTML app with its own JSON API), and the
// ACME server under /acme, whose protocol RFC 8555 describes (JWS bodies, problem documents).
const UNDOCUMENTED = new Set([
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/scalar.js",
  "GET /metrics",
  "GET /favicon.ico",
]);

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1 and lists every registered route", async () => {
    const res = await h.request<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    }>("GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(res.body) as never);
    expect(result.valid, JSON.stringify(result, null, 2).slice(0, 2_000)).toBe(true);

    const documented = new Set(
      Object.entries(res.body.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const registered = h.app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
      .filter(
        (r) => !UNDOCUMENTED.has(r) && !r.includes(" /admin/queues") && !r.includes(" /acme/"),
      );
    expect(registered.length).toBeGreaterThan(30);
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
  });

  it("serves an interactive reference at /docs", async () => {
    const res = await h.request("GET", "/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("/openapi.json");
  });
});
