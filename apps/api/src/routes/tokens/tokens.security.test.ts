import { accessTokens } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const errorShape = (status: number) => ({
  reqId: expect.stringMatching(/^req-/),
  statusCode: status,
  message: expect.any(String),
  error: expect.any(String),
});

// Every route's 401 and 403 are checked by auth-matrix.security.test.ts, generated from the app.

describe("token lifecycle", () => {
  it("shows the value once, stores only its hash, and a deleted token stops working", async () => {
    const created = await h.request<{ token: { id: string; scopes: string[] }; value: string }>(
      "POST",
      "/api/v1/tokens",
      {
        body: { name: "ci", scopes: ["cas:manage"] },
      },
    );
    expect(created.status, created.text).toBe(201);
    const { value, token } = created.body;
    expect(value).toMatch(/^certq_[A-Za-z0-9_-]{43}$/);

    const rows = await h.db.db.select().from(accessTokens);
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(value);
    expect(everything).not.toContain(value.slice(6));

    const list = await h.request<{ tokens: Record<string, unknown>[] }>("GET", "/api/v1/tokens");
    expect(JSON.stringify(list.body)).not.toContain(value);

    expect((await h.request("GET", "/api/v1/pki/ca", { token: value })).status).toBe(200);
    const deleted = await h.request("DELETE", `/api/v1/tokens/${token.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    const after = await h.request("GET", "/api/v1/pki/ca", { token: value });
    expect(after.status).toBe(401);
  });

  it("the admin scope holds every other scope", async () => {
    const admin = await h.token(["admin"]);
    expect((await h.request("GET", "/api/v1/tokens", { token: admin })).status).toBe(200);
    expect((await h.request("GET", "/api/v1/pki/ca", { token: admin })).status).toBe(200);
  });

  it("public routes need no token", async () => {
    expect((await h.request("GET", "/healthz", { token: null })).status).toBe(200);
    const ready = await h.request<{ checks: Record<string, string> }>("GET", "/readyz", {
      token: null,
    });
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: "ok", redis: "ok" });
  });

  it("every response carries X-Request-Id, and unknown routes answer in the error shape", async () => {
    const res = await h.request("GET", "/no/such/route", { token: null });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toMatch(/^req-/);
    expect(res.body).toEqual({ ...errorShape(404), reqId: res.headers.get("x-request-id") });
    const reqId = res.headers.get("x-request-id") ?? "none";
    const lines = h.logs.filter((line) => line.includes(reqId)).map((line) => JSON.parse(line));
    expect(lines).toContainEqual(
      expect.objectContaining({ reqId, path: "/no/such/route", status: 404 }),
    );
  });
});

describe("tokens checked together", () => {
  it("requests arriving at once, with different tokens, each get their own token's answer", async () => {
    const reader = await h.token(["cas:manage"]);
    const other = await h.token(["certificates:read"]);
    const cases = [
      [reader, 200],
      [other, 403],
      ["certq_not-a-real-token", 401],
      [h.adminToken, 200],
    ] as const;
    // Many at once, so the token lookups share queries (ServiceContext.lookups).
    const all = Array.from({ length: 5 }, () => cases).flat();
    const responses = await Promise.all(
      all.map(([token]) => h.request("GET", "/api/v1/pki/ca", { token })),
    );
    expect(responses.map((res) => res.status)).toEqual(all.map(([, status]) => status));
  });
});
