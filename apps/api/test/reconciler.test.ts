import { reconcilePendingRequests, submitCertificateRequest } from "@certq/core";
import { certificateRequests } from "@certq/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
});
afterAll(() => h.close());

/** A request committed as pending whose job never reached Redis. */
async function lostRequest(commonName: string) {
  const { requestId } = await submitCertificateRequest({
    // Admitted and stored, never enqueued: the job does not reach Redis.
    ctx: { ...h.ctx, issuance: { ...h.issuance, enqueue: async () => {} } },
    // The harness's admin token: requests record which token submitted them.
    principal: {
      tokenId: (await h.db.db.query.accessTokens.findFirst())?.id ?? "",
      tokenName: "admin",
      scopes: ["admin"],
    },
    input: { profileId, commonName },
  });
  // Past the grace period in which the API may still be enqueueing it.
  await h.db.db
    .update(certificateRequests)
    .set({ createdAt: new Date(Date.now() - 10_000) })
    .where(eq(certificateRequests.id, requestId));
  return requestId;
}

describe("reconciler", () => {
  it("re-enqueues pending requests whose job is missing, and they issue", async () => {
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => lostRequest(`lost-${i}.example.test`)),
    );
    for (const id of ids) expect(await h.queue.getJobState(id)).toBe("unknown");

    const report = await reconcilePendingRequests({
      ctx: h.ctx,
      queue: h.queue,
      maxAgeMs: 3_600_000,
    });
    expect(report).toMatchObject({ requeued: 5, expired: 0 });
    const again = await reconcilePendingRequests({
      ctx: h.ctx,
      queue: h.queue,
      maxAgeMs: 3_600_000,
    });
    expect(again.requeued).toBe(0);

    await h.startWorker(2);
    for (const id of ids) expect((await waitForRequest(h, id)).status).toBe("issued");
  });

  it("fails a request pending beyond the maximum age, saying so", async () => {
    const id = await lostRequest("stale.example.test");
    const report = await reconcilePendingRequests({ ctx: h.ctx, queue: h.queue, maxAgeMs: 5_000 });
    expect(report.expired).toBeGreaterThanOrEqual(1);
    const [row] = await h.db.db
      .select()
      .from(certificateRequests)
      .where(eq(certificateRequests.id, id));
    expect(row?.status).toBe("failed");
    expect(row?.errorMessage).toMatch(/pending for more than 5 s/);
  });
});
