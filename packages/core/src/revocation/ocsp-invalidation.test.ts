import { randomUUID } from "node:crypto";
import { createLogger } from "@certq/config";
import { afterAll, describe, expect, it } from "vitest";
import { createRedis } from "../runtime/redis";
import { createOcspCache } from "./ocsp-cache";
import { createOcspInvalidation } from "./ocsp-invalidation";

const prefix = `{test-${randomUUID()}}`;
const redisConfig = { topology: "single", url: "redis://127.0.0.1:6379" } as const;
const log = createLogger({ level: "silent" });
const connections: ReturnType<typeof createRedis>[] = [];
afterAll(() => {
  for (const c of connections) c.disconnect();
});

/** One API process: its cache, its subscriber, its publisher, all on the shared Redis. */
async function apiProcess() {
  const cache = createOcspCache();
  const subscriber = createRedis(redisConfig, "worker");
  const publisher = createRedis(redisConfig, "worker");
  connections.push(subscriber, publisher);
  const invalidation = await createOcspInvalidation({ cache, subscriber, publisher, prefix, log });
  return { cache, publisher, invalidation };
}

const now = new Date();
const request = (name: string) => Buffer.from(`request ${name}`);
const answer = (caId: string, serialNumber: string) => ({
  der: Buffer.from(`${caId} ${serialNumber}`),
  caId,
  serialNumber,
  thisUpdate: now,
  nextUpdate: new Date(now.getTime() + 3_600_000),
});

async function eventually(check: () => boolean) {
  const deadline = Date.now() + 2_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return check();
}

describe("createOcspInvalidation", () => {
  it("drops the revoked certificate's answers here at once and in another process through Redis; a bare CA id (an older process) drops the CA's", async () => {
    const here = await apiProcess();
    const there = await apiProcess();
    for (const { cache } of [here, there]) {
      cache.set(request("a/0a"), answer("ca-a", "0a"));
      cache.set(request("a/0b"), answer("ca-a", "0b"));
      cache.set(request("b/0a"), answer("ca-b", "0a"));
    }

    await here.invalidation.invalidateCertificate("ca-a", "0a");
    expect(here.cache.get(request("a/0a"), now)).toBeUndefined();
    expect(await eventually(() => !there.cache.get(request("a/0a"), now))).toBe(true);
    for (const { cache } of [here, there]) {
      expect(cache.get(request("a/0b"), now)).toBeDefined();
      expect(cache.get(request("b/0a"), now)).toBeDefined();
    }

    await here.publisher.publish(`${prefix}:ocsp-invalidate`, "ca-a");
    expect(await eventually(() => !there.cache.get(request("a/0b"), now))).toBe(true);
    expect(there.cache.get(request("b/0a"), now)).toBeDefined();
  });
});
