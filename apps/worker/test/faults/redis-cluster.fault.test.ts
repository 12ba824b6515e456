import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCleanFailover, runFailoverUnderLoad } from "./failover-load";
import { FaultWorld } from "./process-harness";
import { ClusterTopology } from "./redis-topologies";

interface RequestView {
  status: string;
  certificate: string | null;
}

describe("Redis Cluster (three masters, three replicas)", () => {
  let cluster: ClusterTopology;
  let world: FaultWorld;
  let profileId: string;
  beforeAll(async () => {
    cluster = await ClusterTopology.start();
    world = await FaultWorld.create({
      redisEnv: cluster.env,
      prefix: "{certq}",
      // Exercises the per-token counters in Redis on the way.
      env: { CERTQ_TOKEN_RATE_LIMIT: "1000" },
    });
    await world.startApi();
    await world.startWorker();
    profileId = await world.createProfile();
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await cluster?.stop();
  }, 60_000);

  it("serves submit, poll, long-poll, the synchronous v3 issue, readiness, metrics and the dashboard", async () => {
    world.reportOnFailure();
    const submitted = await world.submit(profileId, "cluster.example.test", "EC_prime256v1");
    expect(submitted.status, submitted.text).toBe(202);
    const id = submitted.body.certificateRequestId;
    const path = `/api/v1/cert-manager/certificates/certificate-requests/${id}`;
    // Long-poll: woken by the job's completion event (QueueEvents on the cluster).
    const waited = await world.call<RequestView>("GET", `${path}?wait=30`, { timeoutMs: 40_000 });
    expect(waited.status, waited.text).toBe(200);
    expect(waited.body.status, waited.text).toBe("issued");
    const polled = await world.call<RequestView>("GET", path);
    expect(polled.body.certificate).toContain("BEGIN CERTIFICATE");

    const sync = await world.call<{ certificate: string }>(
      "POST",
      "/api/v3/pki/certificates/issue-certificate",
      {
        body: {
          profileId,
          commonName: "sync-cluster.example.test",
          ttl: "7d",
          keyAlgorithm: "EC_prime256v1",
          signatureAlgorithm: "ECDSA-SHA256",
        },
        timeoutMs: 40_000,
      },
    );
    expect(sync.status, sync.text).toBe(200);
    expect(sync.body.certificate).toContain("BEGIN CERTIFICATE");

    const ready = await world.call<{ checks: Record<string, string> }>("GET", "/readyz");
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body.checks.redis).toBe("ok");
    const metrics = await world.call("GET", "/metrics");
    expect(metrics.text).toMatch(/certq_queue_jobs\{state="waiting"\}/);
    const dashboard = await world.call<{ queues: { name: string }[] }>(
      "GET",
      "/admin/queues/api/queues",
    );
    expect(dashboard.status, dashboard.text).toBe(200);
    expect(dashboard.body.queues.map((q) => q.name)).toContain("issuance");
  }, 120_000);

  it("loses nothing and issues nothing twice when the master of the {certq} slot is killed under load", async () => {
    world.reportOnFailure();
    const victim = await cluster.masterPortFor(world.prefix);
    const figures = await runFailoverUnderLoad({
      world,
      profileId,
      label: "Cluster",
      kill: () => cluster.kill(victim),
      takeover: async () => {
        await world.waitFor(
          async () => {
            const owner = await cluster.masterPortFor(world.prefix).catch(() => victim);
            return owner !== victim ? owner : undefined;
          },
          {
            timeoutMs: 60_000,
            describe: async () =>
              `no replica took over slot of ${world.prefix} from ${victim}\n${await cluster.describe()}`,
          },
        );
        await cluster.waitUntilHealthy(60_000);
      },
    });
    expectCleanFailover(world, figures);
    for (const p of world.processes) expect(p.running, `${p.name} died`).toBe(true);
  }, 240_000);
});
