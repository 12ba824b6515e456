import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "../runtime/redis";
import { createNonceStore } from "./nonce-store";

const prefix = `{test-${randomUUID()}}`;
// Two connections stand for two API replicas sharing one Redis.
const first = createRedis({ topology: "single", url: "redis://127.0.0.1:6379" }, "producer");
const second = createRedis({ topology: "single", url: "redis://127.0.0.1:6379" }, "producer");
beforeAll(async () => {
  // Producers fail fast instead of queueing: wait until both connections are up.
  await Promise.all(
    [first, second].map((c) =>
      c.status === "ready" ? undefined : new Promise((resolve) => c.once("ready", resolve)),
    ),
  );
});
afterAll(async () => {
  const keys = await first.keys(`${prefix}:*`);
  if (keys.length > 0) await first.del(...keys);
  first.disconnect();
  second.disconnect();
});

describe("nonce store", () => {
  it("a nonce issued by one replica is accepted once by another, then never again", async () => {
    const a = createNonceStore({ redis: first, prefix });
    const b = createNonceStore({ redis: second, prefix });
    const nonce = await a.issue();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await b.consume(nonce)).toBe(true);
    expect(await a.consume(nonce)).toBe(false);
    expect(await b.consume(nonce)).toBe(false);
  });

  it("refuses nonces it never issued, malformed ones without asking Redis, and expired ones", async () => {
    const store = createNonceStore({ redis: first, prefix, ttlMs: 1 });
    expect(await store.consume("A".repeat(22))).toBe(false);
    expect(await store.consume("not a nonce*")).toBe(false);
    const nonce = await store.issue();
    await first.pexpire(`${prefix}:acme-nonce:${nonce}`, 1);
    // Expiry is Redis's; wait for the key to be gone rather than for a time.
    while ((await first.exists(`${prefix}:acme-nonce:${nonce}`)) === 1)
      await new Promise((r) => setImmediate(r));
    expect(await store.consume(nonce)).toBe(false);
  });
});
