import { issueJobRequestIds, reconcilePendingRequests } from "@certq/core";
import { certificateRequests } from "@certq/db";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submitWithoutJob, waitForRequest } from "./fixtures";
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
  const { requestId } = await submitWithoutJob(h, { profileId, commonName });
  await backdate([requestId]);
  return requestId;
}

/** One reconciler pass; requests pending longer than maxAgeMs are failed. */
const reconcile = (maxAgeMs = 3_600_000) =>
  reconcilePendingRequests({ ctx: h.ctx, queue: h.queue, maxAgeMs });

/** Past the grace period in which the API may still be enqueueing them. */
async function backdate(ids: string[]) {
  await h.db.db
    .update(certificateRequests)
    .set({ createdAt: new Date(Date.now() - 10_000) })
    .where(inArray(certificateRequests.id, ids));
}

describe("reconciler", () => {
  it("re-enqueues pending requests whose job is missing, and they issue", async () => {
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => lostRequest(`lost-${i}.example.test`)),
    );
    for (const id of ids) expect(await h.queue.getJobState(id)).toBe("unknown");

    const report = await reconcile();
    expect(report).toMatchObject({ requeued: 5, expired: 0 });
    const again = await reconcile();
    expect(again.requeued).toBe(0);

    const worker = await h.startWorker(2);
    for (const id of ids) expect((await waitForRequest(h, id)).status).toBe("issued");
    await worker.close();
  });

  it("gives each request of a lost shared job a job of its own, and they issue", async () => {
    // Submitted in one call, with no worker yet: they go in together and share jobs.
    const res = await h.request<{ results: { certificateRequestId: string }[] }>(
      "POST",
      "/api/v1/cert-manager/certificates/bulk",
      {
        body: {
          requests: Array.from({ length: 8 }, (_, i) => ({
            profileId,
            commonName: `shared-${i}.example.test`,
            keyAlgorithm: "EC_prime256v1",
          })),
        },
      },
    );
    expect(res.status, res.text).toBe(202);
    const ids = res.body.results.map((r) => r.certificateRequestId);
    const rows = await h.db.db
      .select({ id: certificateRequests.id, jobId: certificateRequests.jobId })
      .from(certificateRequests)
      .where(inArray(certificateRequests.id, ids));
    const shared = new Set(rows.flatMap((r) => (r.jobId ? [r.jobId] : [])));
    expect(shared.size).toBeGreaterThan(0);
    const carried = rows.filter((r) => r.jobId !== null).map((r) => r.id);
    expect(carried.length).toBeGreaterThan(shared.size);
    await backdate(ids);
    // While their shared jobs wait, nothing is missing.
    const live = await reconcile();
    expect(live.requeued).toBe(0);
    for (const id of carried) expect(await h.queue.getJob(id)).toBeUndefined();

    for (const jobId of shared) {
      // The job carries exactly the requests that name it.
      const members = rows.filter((r) => r.jobId === jobId).map((r) => r.id);
      const job = await h.queue.getJob(jobId);
      expect(job && [...issueJobRequestIds(job.data)].sort()).toEqual(members.sort());
      await h.queue.remove(jobId);
    }

    const report = await reconcile();
    expect(report).toMatchObject({ requeued: carried.length, expired: 0 });
    for (const id of carried) expect(await h.queue.getJob(id)).toBeDefined();
    const after = await h.db.db
      .select({ jobId: certificateRequests.jobId })
      .from(certificateRequests)
      .where(inArray(certificateRequests.id, carried));
    expect(after.map((r) => r.jobId)).toEqual(carried.map(() => null));
    const again = await reconcile();
    expect(again.requeued).toBe(0);

    const worker = await h.startWorker(4);
    for (const id of ids) expect((await waitForRequest(h, id)).status).toBe("issued");
    await worker.close();
  });

  it("fails a request pending beyond the maximum age, saying so", async () => {
    const id = await lostRequest("stale.example.test");
    const report = await reconcile(5_000);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    const [row] = await h.db.db
      .select()
      .from(certificateRequests)
      .where(eq(certificateRequests.id, id));
    expect(row?.status).toBe("failed");
    expect(row?.errorMessage).toMatch(/pending for more than 5 s/);
  });
});
