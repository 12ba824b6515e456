import { certificateRequests } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  // No worker: submissions stay waiting, so the queue depth is exactly what we submitted.
  h = await createHarness({ maxQueueDepth: 3 });
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
});
afterAll(() => h.close());

const submitOne = (token?: string, i = 0) =>
  h.request<{ statusCode: number; message: string; reqId: string; error: string }>(
    "POST",
    "/api/v1/cert-manager/certificates",
    {
      token,
      body: { profileId, commonName: `bp-${i}.example.test` },
    },
  );

async function rows() {
  return (await h.db.db.select().from(certificateRequests)).length;
}

describe("backpressure", () => {
  it("a full queue answers 429 with Retry-After in the error shape, and stores nothing", async () => {
    for (let i = 0; i < 3; i++) expect((await submitOne(undefined, i)).status).toBe(202);
    const before = await rows();
    const res = await submitOne(undefined, 99);
    expect(res.status, res.text).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.body).toEqual({
      reqId: res.headers.get("x-request-id"),
      statusCode: 429,
      message: expect.stringMatching(/queue is full/),
      error: "TooManyRequests",
    });
    expect(await rows()).toBe(before);
    expect(await h.queue.getWaitingCount()).toBe(3);
    await h.queue.drain();
  });

  it("a token over its own rate gets 429s, and only admitted requests are stored", async () => {
    // A world of its own with a deep queue, so only the rate limit can refuse.
    const roomy = await createHarness();
    try {
      const roomyProfile = await createProfile(
        roomy,
        (await createRootCa(roomy, "EC_prime256v1")).id,
      );
      const created = await roomy.request<{ value: string }>("POST", "/api/v1/tokens", {
        body: { name: "slow", scopes: ["certificates:issue"], rateLimitPerSecond: 2 },
      });
      expect(created.status, created.text).toBe(201);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          roomy.request<{ message: string }>("POST", "/api/v1/cert-manager/certificates", {
            token: created.body.value,
            body: { profileId: roomyProfile, commonName: `rate-${i}.example.test` },
          }),
        ),
      );
      const accepted = results.filter((r) => r.status === 202).length;
      const limited = results.filter((r) => r.status === 429);
      // Ten requests land in at most two one-second windows: at most 2 x 2 are admitted.
      expect(accepted).toBeGreaterThanOrEqual(2);
      expect(accepted).toBeLessThanOrEqual(4);
      expect(limited.length).toBe(10 - accepted);
      for (const r of limited) {
        expect(r.headers.get("retry-after")).toBe("1");
        expect(r.body.message).toMatch(/2 requests per second/);
      }
      expect((await roomy.db.db.select().from(certificateRequests)).length).toBe(accepted);
    } finally {
      await roomy.close();
    }
  });
});
