import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCleanFailover, runFailoverUnderLoad } from "./failover-load";
import { FaultWorld } from "./process-harness";
import { askNode, SentinelTopology } from "./redis-topologies";

describe("Redis Sentinel: the master is killed (kill -9) during submissions", () => {
  let sentinel: SentinelTopology;
  let world: FaultWorld;
  beforeAll(async () => {
    sentinel = await SentinelTopology.start();
    world = await FaultWorld.create({ redisEnv: sentinel.env, prefix: "{certq}" });
  }, 90_000);
  afterAll(async () => {
    await world?.close();
    await sentinel?.stop();
  }, 60_000);

  it("answers 202 or 503 only, recovers on the promoted replica, issues every accepted request exactly once, and the reconciler's lock is taken again", async () => {
    world.reportOnFailure();
    await world.startApi();
    const workers = [await world.startWorker(), await world.startWorker()];
    const profileId = await world.createProfile();

    const figures = await runFailoverUnderLoad({
      world,
      profileId,
      label: "Sentinel",
      kill: () => sentinel.killMaster(),
      takeover: () => sentinel.waitForPromotion(60_000),
    });
    expectCleanFailover(world, figures);
    expect(figures.refused + figures.outcome.accepted).toBe(figures.submissions.length);

    // One of the workers takes the reconciler's lock again on the new master: removed here,
    // it comes back within a few intervals (1 s in this world).
    const lock = `${world.prefix}:reconciler-lock`;
    await askNode(sentinel.replicaPort, (c) => c.del(lock));
    const holder = await world.waitFor(
      async () => (await askNode(sentinel.replicaPort, (c) => c.get(lock))) ?? undefined,
      { timeoutMs: 15_000, describe: () => "nobody took the reconciler lock after the failover" },
    );
    expect(workers.map((w) => String(w.pid))).toContain(holder);
    for (const worker of workers) expect(worker.running, `${worker.name} died`).toBe(true);
    expect(world.api?.running, "the API died").toBe(true);
  }, 240_000);
});
