import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const basic = (token: string) => `Basic ${Buffer.from(`admin:${token}`).toString("base64")}`;

describe("queue dashboard", () => {
  it("serves bull-board to admin tokens, by bearer or as the Basic password", async () => {
    const page = await h.request("GET", "/admin/queues");
    expect(page.status, page.text.slice(0, 200)).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const viaBasic = await h.request("GET", "/admin/queues/api/queues", {
      token: null,
      headers: { authorization: basic(h.adminToken) },
    });
    expect(viaBasic.status).toBe(200);
    const names = (viaBasic.body as { queues: { name: string }[] }).queues
      .map((q) => q.name)
      .sort();
    expect(names).toEqual(["acme-validation", "issuance", "maintenance"]);
  });

  it("asks browsers for credentials (401 + WWW-Authenticate) and refuses non-admin tokens (403)", async () => {
    const anonymous = await h.request("GET", "/admin/queues", { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const reader = await h.token(["certificates:read"]);
    const refused = await h.request("GET", "/admin/queues/api/queues", { token: reader });
    expect(refused.status).toBe(403);
  });
});
