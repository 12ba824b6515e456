import { authenticate } from "@certq/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

// CERTQ_TOKEN_CACHE_MS at its maximum: every check below would fail if the cache were trusted
// over a deletion made through this process, or over a token's expiry.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ tokenCacheMs: 1_000 });
});
afterAll(() => h.close());

const LIST = "/api/v1/cert-manager/certificate-profiles";

async function createToken(body: Record<string, unknown>) {
  const res = await h.request<{ value: string; token: { id: string } }>("POST", "/api/v1/tokens", {
    body: { name: "cached", scopes: ["profiles:manage"], ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe("token cache", () => {
  it("a token deleted through this process is refused at once", async () => {
    const { value, token } = await createToken({});
    expect((await h.request("GET", LIST, { token: value })).status).toBe(200);
    expect((await h.request("GET", LIST, { token: value })).status).toBe(200);
    const deleted = await h.request("DELETE", `/api/v1/tokens/${token.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    const after = await h.request("GET", LIST, { token: value });
    expect(after.status, after.text).toBe(401);
  });

  it("a cached token is still refused once it expires", async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { value } = await createToken({ expiresAt: expiresAt.toISOString() });
    const principal = await authenticate({ ctx: h.ctx, tokenValue: value });
    expect(principal.scopes).toEqual(["profiles:manage"]);
    const later = { ...h.ctx, now: () => new Date(expiresAt.getTime() + 1) };
    await expect(authenticate({ ctx: later, tokenValue: value })).rejects.toThrow(/expired/);
  });

  it("an unknown token is never cached: a wrong value stays wrong, a new one works at once", async () => {
    const res = await h.request("GET", LIST, { token: "certq_not-a-real-token" });
    expect(res.status, res.text).toBe(401);
    const { value } = await createToken({});
    expect((await h.request("GET", LIST, { token: value })).status).toBe(200);
  });
});
