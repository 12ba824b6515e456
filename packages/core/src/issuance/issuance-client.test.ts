import { randomUUID } from "node:crypto";
import { Worker } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { createIssuanceQueue } from "../queue/issuance-queue";
import { ISSUANCE_QUEUE } from "../queue/job-catalog";
import { createRedis } from "../runtime/redis";
import { createIssuanceClient } from "./issuance-client";

const REDIS = { topology: "single", url: "redis://127.0.0.1:6379" } as const;
const prefix = `{test-events-${randomUUID()}}`;
const producer = createRedis(REDIS, "producer");
const queue = createIssuanceQueue({ connection: producer, prefix, attempts: 1 });
let opened = 0;
const client = await createIssuanceClient({
  queue,
  admit: async () => {},
  db: undefined as never,
  log: undefined as never,
  openEventsConnection: () => {
    opened++;
    return createRedis(REDIS, "worker");
  },
  prefix,
  eventsIdleMs: 200,
});
// Jobs finish when the test says so.
const release = new Map<string, () => void>();
const worker = new Worker(
  ISSUANCE_QUEUE,
  (job) => new Promise<void>((resolve) => release.set(job.id as string, resolve)),
  { connection: createRedis(REDIS, "worker"), prefix, concurrency: 10 },
);

afterAll(async () => {
  await worker.close();
  await client.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
});

async function started(id: string) {
  await queue.add("issue", { requestId: id } as never, { jobId: id });
  await expect.poll(() => release.has(id), { timeout: 5_000 }).toBe(true);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("waitForJob", () => {
  it("listens for job events only while someone waits, one listener for many waits", async () => {
    // A job finishing with no one waiting opens nothing.
    await started("alone");
    release.get("alone")?.();
    await sleep(100);
    expect(opened).toBe(0);

    await started("a");
    await started("b");
    const t0 = Date.now();
    const waits = Promise.all([client.waitForJob("a", 10_000), client.waitForJob("b", 10_000)]);
    await sleep(100);
    release.get("a")?.();
    release.get("b")?.();
    await waits;
    // Woken by the completion events, not by the 10 s bound.
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(opened).toBe(1);
  });

  it("closes the listener once idle and opens a new one for the next wait, which still wakes", async () => {
    await sleep(400);
    const before = opened;
    await started("c");
    const t0 = Date.now();
    const wait = client.waitForJob("c", 10_000);
    await sleep(100);
    release.get("c")?.();
    await wait;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(opened).toBe(before + 1);
  });
});
