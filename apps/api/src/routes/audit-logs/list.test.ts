import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

interface Page {
  auditLogs: {
    seq: number;
    action: string;
    targetType: string;
    targetId: string;
    tokenId: string | null;
    createdAt: string;
  }[];
  nextCursor: string | null;
}

let h: Harness;
let auditor: string;
let tokenIds: string[];
beforeAll(async () => {
  h = await createHarness();
  auditor = await h.token(["audit:read"]);
  // Seven token.created rows (the auditor's included) and two token.deleted rows.
  const created = [];
  for (let i = 0; i < 6; i++) {
    created.push(
      await h.request<{ token: { id: string } }>("POST", "/api/v1/tokens", {
        body: { name: `listed ${i}`, scopes: ["certificates:read"] },
      }),
    );
  }
  tokenIds = created.map((res) => res.body.token.id);
  for (const id of tokenIds.slice(0, 2)) await h.request("DELETE", `/api/v1/tokens/${id}`);
});
afterAll(() => h.close());

const list = (query: string, token = auditor) =>
  h.request<Page>("GET", `/api/v1/audit-logs${query}`, { token });

async function walk(query: string, limit: number): Promise<number[]> {
  const seqs: number[] = [];
  let cursor: string | null = null;
  for (;;) {
    const sep = query ? "&" : "?";
    const res = await list(`${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.auditLogs.length).toBeLessThanOrEqual(limit);
    seqs.push(...res.body.auditLogs.map((row) => row.seq));
    cursor = res.body.nextCursor;
    if (!cursor) return seqs;
  }
}

describe("GET /api/v1/audit-logs", () => {
  it("needs a token (401) with audit:read (403); admin and audit:read may", async () => {
    expect((await list("", "")).status).toBe(401);
    const other = await h.token(["tokens:manage", "certificates:read-private-key"]);
    const denied = await list("", other);
    expect(denied.status, denied.text).toBe(403);
    expect((await list("", h.adminToken)).status).toBe(200);
    expect((await list("")).status).toBe(200);
  });

  it("pages newest first by default and oldest first on request, each row once", async () => {
    const all = (await list("?limit=500")).body.auditLogs.map((row) => row.seq);
    expect(all.length).toBeGreaterThanOrEqual(9);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(await walk("", 2)).toEqual(all);
    expect(await walk("?order=asc", 3)).toEqual([...all].reverse());
  });

  it("filters by action, target, token and time", async () => {
    const deleted = await list("?action=token.deleted");
    expect(deleted.body.auditLogs.map((row) => row.targetId).sort()).toEqual(
      tokenIds.slice(0, 2).sort(),
    );
    const target = await list(`?targetType=token&targetId=${tokenIds[0]}&order=asc`);
    expect(target.body.auditLogs.map((row) => row.action)).toEqual([
      "token.created",
      "token.deleted",
    ]);
    const all = (await list("?limit=500&order=asc")).body.auditLogs;
    const byToken = await list(`?tokenId=${all[0]?.tokenId}&limit=500`);
    expect(byToken.body.auditLogs.length).toBe(
      all.filter((r) => r.tokenId === all[0]?.tokenId).length,
    );
    const middle = all[4] as Page["auditLogs"][number];
    const from = await list(`?from=${encodeURIComponent(middle.createdAt)}&limit=500&order=asc`);
    expect(from.body.auditLogs.every((row) => row.createdAt >= middle.createdAt)).toBe(true);
    expect(from.body.auditLogs.map((row) => row.seq)).toContain(middle.seq);
    const to = await list(`?to=${encodeURIComponent(middle.createdAt)}&limit=500`);
    expect(to.body.auditLogs.every((row) => row.createdAt < middle.createdAt)).toBe(true);
  });

  it.each([
    ["?action=token.stolen", 422, "action"],
    ["?tokenId=not-a-uuid", 422, "tokenId"],
    ["?limit=0", 422, "limit"],
    ["?from=yesterday", 422, "from"],
    ["?cursor=garbage", 400, "cursor"],
  ])("%s is refused (%i) naming %s", async (query, status, field) => {
    const res = await list(query);
    expect(res.status, res.text).toBe(status);
    expect(res.text).toContain(field);
  });

  it("refuses a cursor made for the other order", async () => {
    const first = await list("?limit=1");
    const res = await list(`?order=asc&cursor=${first.body.nextCursor}`);
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain("cursor");
  });
});

describe("over a real socket", () => {
  it("records the TCP peer as the source address, and the client's X-Request-Id", async () => {
    const server = await h.serve();
    try {
      const res = await fetch(`${server.url}/api/v1/tokens`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${h.adminToken}`,
          "content-type": "application/json",
          "x-request-id": "socket-request-1",
        },
        body: JSON.stringify({ name: "over a socket", scopes: ["certificates:read"] }),
      });
      expect(res.status).toBe(201);
      const { token } = (await res.json()) as { token: { id: string } };
      const rows = await h.request<{ auditLogs: { requestId: string; sourceAddress: string }[] }>(
        "GET",
        `/api/v1/audit-logs?targetType=token&targetId=${token.id}`,
        { token: auditor },
      );
      expect(rows.body.auditLogs).toEqual([
        expect.objectContaining({ requestId: "socket-request-1", sourceAddress: "127.0.0.1" }),
      ]);
    } finally {
      await server.close();
    }
  });
});
