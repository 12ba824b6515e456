import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultWorld, formatOutcome, PrivateRedis } from "./process-harness";

const REQUESTS = 100;

describe("FLUSHALL on Redis while requests wait for a worker", () => {
  let redis: PrivateRedis;
  let world: FaultWorld;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    world = await FaultWorld.create({ redisUrl: redis.url });
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  }, 60_000);

  it("brings every pending request back through the reconciler: none lost, all issued", async () => {
    world.reportOnFailure();
    await world.startApi();
    const profileId = await world.createProfile();
    const ids = await world.submitMany(profileId, REQUESTS, "EC_prime256v1");
    expect(await world.issuanceRequests("wait")).toBe(REQUESTS);

    await redis.flushAll();
    expect(await world.issuanceJobs("wait"), "FLUSHALL left jobs behind").toBe(0);
    expect((await world.statusCounts(ids)).pending).toBe(REQUESTS);

    const worker = await world.startWorker();
    const outcome = await world.waitUntilSettled(ids, { timeoutMs: 60_000 });
    const requeued = worker
      .logsWithMsg("reconciler repaired pending requests")
      .reduce((sum, line) => sum + Number(line.requeued ?? 0), 0);
    console.log(`FLUSHALL: ${formatOutcome(outcome)} (re-enqueued by the reconciler=${requeued})`);
    expect(outcome).toMatchObject({
      accepted: REQUESTS,
      issued: REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: REQUESTS,
    });
    // Nothing else could have put them back on the queue. The sum may exceed the count:
    // overlapping runs, or a job finishing between the pending read and the state check,
    // count a request twice (re-adding it is harmless: the worker skips it).
    expect(requeued).toBeGreaterThanOrEqual(REQUESTS);
  }, 120_000);
});
