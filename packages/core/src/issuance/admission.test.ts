import { describe, expect, it } from "vitest";
import { RateLimitedError } from "../errors";
import { type AdmissionOptions, createAdmission } from "./admission";

const principal = { tokenId: "t1", tokenName: "t1", scopes: [] };

/** A queue whose depth the test sets, counting how often it is asked. */
function fakeQueue(depth = 0) {
  const queue = {
    depth,
    reads: 0,
    async getWaitingCount() {
      queue.reads++;
      return queue.depth;
    },
  };
  return queue;
}

const noRedis = {
  multi: () => {
    throw new Error("no rate limit configured: Redis must not be asked");
  },
};

/** An admission with no token rate limit, so only the queue depth can refuse. */
function admission(
  queue: ReturnType<typeof fakeQueue>,
  options: Pick<AdmissionOptions, "maxQueueDepth" | "depthMaxAgeMs" | "now">,
) {
  return createAdmission({
    depth: () => queue.getWaitingCount(),
    redis: noRedis as never,
    prefix: "{t}",
    defaultTokenRate: 0,
    ...options,
  });
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("admission", () => {
  it("reads the depth once per depthMaxAgeMs, counting its own admissions on top", async () => {
    const queue = fakeQueue(0);
    const c = clock();
    const admit = admission(queue, { maxQueueDepth: 100, depthMaxAgeMs: 100, now: c.now });
    for (let i = 0; i < 10; i++) await admit(principal);
    expect(queue.reads).toBe(1);
    c.advance(100);
    await admit(principal);
    expect(queue.reads).toBe(2);
  });

  it("refuses at the limit within one read's lifetime, re-reading before it refuses", async () => {
    const queue = fakeQueue(0);
    const c = clock();
    const admit = admission(queue, { maxQueueDepth: 3, depthMaxAgeMs: 100, now: c.now });
    // The fake's depth follows our admissions, as Redis would once they are enqueued.
    for (let i = 0; i < 3; i++) {
      queue.depth = i;
      await admit(principal);
    }
    expect(queue.reads).toBe(2);
    queue.depth = 3;
    await expect(admit(principal)).rejects.toThrow(RateLimitedError);
    expect(queue.reads).toBe(3);
    // A full queue by the last read is refused without asking Redis again.
    await expect(admit(principal)).rejects.toThrow(/queue is full \(3 requests waiting\)/);
    expect(queue.reads).toBe(3);
    // Workers drained it: once the read is old, the next one admits again.
    queue.depth = 0;
    c.advance(100);
    await expect(admit(principal)).resolves.toBeUndefined();
    expect(queue.reads).toBe(4);
  });

  it("an estimate made only of our own admissions is checked against Redis before refusing", async () => {
    const queue = fakeQueue(0);
    const admit = admission(queue, { maxQueueDepth: 2, depthMaxAgeMs: 60_000, now: clock().now });
    await admit(principal);
    await admit(principal);
    // A worker took both jobs already: Redis says 0, so the third is admitted.
    await expect(admit(principal)).resolves.toBeUndefined();
    expect(queue.reads).toBe(3);
  });

  it("past half the limit reads for every admission, so other processes' admissions count", async () => {
    const queue = fakeQueue(0);
    const c = clock();
    const admit = admission(queue, { maxQueueDepth: 10, depthMaxAgeMs: 100, now: c.now });
    for (let i = 0; i < 5; i++) await admit(principal);
    expect(queue.reads).toBe(1);
    // Another API process admitted 4 meanwhile; our read is still fresh, but no longer trusted.
    queue.depth = 9;
    await expect(admit(principal)).resolves.toBeUndefined();
    expect(queue.reads).toBe(2);
    queue.depth = 10;
    await expect(admit(principal)).rejects.toThrow(/queue is full \(10 requests waiting\)/);
    expect(queue.reads).toBe(3);
  });

  it("submissions sharing one read count each other: only the room left is admitted", async () => {
    const queue = fakeQueue(8);
    const admit = admission(queue, { maxQueueDepth: 10, now: clock().now });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => admit(principal)));
    expect(queue.reads).toBe(1);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
  });

  it("concurrent submissions share one read", async () => {
    const queue = fakeQueue(5);
    const admit = admission(queue, { maxQueueDepth: 100, now: clock().now });
    await Promise.all(Array.from({ length: 20 }, () => admit(principal)));
    expect(queue.reads).toBe(1);
  });

  it("with depthMaxAgeMs 0 reads the depth for every submission", async () => {
    const queue = fakeQueue(0);
    const admit = admission(queue, { maxQueueDepth: 100, depthMaxAgeMs: 0 });
    for (let i = 0; i < 3; i++) await admit(principal);
    expect(queue.reads).toBe(3);
  });
});
