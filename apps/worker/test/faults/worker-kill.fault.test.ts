import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultWorld, formatOutcome } from "./process-harness";

const REQUESTS = 100;

describe("a worker killed with SIGKILL in the middle of a batch", () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await FaultWorld.create();
  }, 60_000);
  afterAll(() => world?.close(), 60_000);

  it("loses no request and issues exactly one certificate each once another worker takes over", async () => {
    world.reportOnFailure();
    await world.startApi();
    const workerA = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });
    const profileId = await world.createProfile();
    const ids = await world.submitMany(profileId, REQUESTS, "RSA_2048");

    // The kill must land mid-batch: some issued already, A holding locks on running jobs.
    const issuedBeforeKill = await world.waitFor(
      async () => {
        const issued = (await world.statusCounts(ids)).issued ?? 0;
        return issued >= 5 ? issued : undefined;
      },
      { timeoutMs: 60_000, describe: async () => JSON.stringify(await world.statusCounts(ids)) },
    );
    const activeAtKill = await world.issuanceJobs("active");
    workerA.signal("SIGKILL");
    expect((await workerA.exited).signal).toBe("SIGKILL");
    const atKill = await world.statusCounts(ids);
    expect(atKill.pending ?? 0, "the batch finished before the kill").toBeGreaterThan(0);
    expect(activeAtKill, "worker A held no job when killed").toBeGreaterThan(0);

    await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });
    const outcome = await world.waitUntilSettled(ids, { timeoutMs: 120_000 });
    console.log(
      `kill -9 worker: ${formatOutcome(outcome)} (issued before the kill=${issuedBeforeKill}, active at the kill=${activeAtKill}, pending after it=${atKill.pending})`,
    );
    expect(outcome).toMatchObject({
      accepted: REQUESTS,
      issued: REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: REQUESTS,
    });
  }, 200_000);
});
