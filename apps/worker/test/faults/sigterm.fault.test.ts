import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiReply, FaultWorld, formatOutcome } from "./process-harness";

const REQUESTS = 60;
const SHUTDOWN_GRACE_MS = 5_000;
/** Teardown after the grace period (queues, pool, exit) on a busy two-core machine. */
const EXIT_SLACK_MS = 5_000;
const IN_FLIGHT_SYNC_REQUESTS = 8;
const SYNC_WAIT_MS = 4_000;

describe("SIGTERM", () => {
  let world: FaultWorld;
  let profileId: string | undefined;
  beforeAll(async () => {
    world = await FaultWorld.create({
      env: { CERTQ_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) },
    });
  }, 60_000);
  afterAll(() => world?.close(), 60_000);

  it("to a worker mid-batch: it finishes its running jobs, exits 0 within the grace period, and the other worker finishes the batch", async () => {
    world.reportOnFailure();
    await world.startApi();
    profileId = await world.createProfile();
    // Queued before the workers start, so the backlog is whole however fast they issue.
    const ids = await world.submitMany(profileId, REQUESTS, "RSA_2048");
    // A alone first: were B running too, a slow start of A on a loaded machine let B take
    // the batch before A held any job. B starts once A is signalled and finishes the batch.
    const workerA = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });

    // A is busy (it has issued) and the batch has plenty left, so A holds running jobs.
    await world.waitFor(
      async () => {
        const pending = (await world.statusCounts(ids)).pending ?? 0;
        if (pending < 15)
          throw new Error(`the batch ran out (${pending} pending) before A got busy`);
        return workerA.logsWithMsg("certificate issued").length >= 2 ? true : undefined;
      },
      { timeoutMs: 60_000, describe: async () => JSON.stringify(await world.statusCounts(ids)) },
    );
    const signalledAt = Date.now();
    workerA.signal("SIGTERM");
    const [workerB, exit] = await Promise.all([
      world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" }),
      workerA.waitForExit(SHUTDOWN_GRACE_MS + EXIT_SLACK_MS),
    ]);
    const exitMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });

    const stoppingAt = workerA.lines.findIndex(
      (line) => line.msg === "stopping: finishing running jobs",
    );
    expect(stoppingAt, "worker A did not log its shutdown").toBeGreaterThanOrEqual(0);
    const issuedWhileStopping = workerA.lines
      .slice(stoppingAt)
      .filter((line) => line.msg === "certificate issued");
    const finishedWhileStopping = issuedWhileStopping.length;
    // The processes share this clock, so pino's `time` says when A's last job ended.
    const lastJobMs = Math.max(
      0,
      ...issuedWhileStopping.map((line) => Number(line.time) - signalledAt),
    );
    // On a starved machine A may give up on a job at the grace period instead: that job's
    // lock expires and B redoes it, which the outcome below covers as well.
    const gaveUp =
      workerA.logsWithMsg(
        "jobs still running after the grace period; leaving them to other workers",
      ).length > 0;
    expect(finishedWhileStopping > 0 || gaveUp, "worker A had no running job when signalled").toBe(
      true,
    );

    const outcome = await world.waitUntilSettled(ids, { timeoutMs: 120_000 });
    const issuedByA = workerA.logsWithMsg("certificate issued").length;
    const issuedByB = workerB.logsWithMsg("certificate issued").length;
    console.log(
      `SIGTERM worker: ${formatOutcome(outcome)} (A exited code ${exit.code} after ${exitMs} ms, finished ${finishedWhileStopping} while stopping, the last ${lastJobMs} ms after the signal${gaveUp ? ", left some at the grace period" : ""}; issued by A=${issuedByA} B=${issuedByB})`,
    );
    expect(outcome).toMatchObject({
      accepted: REQUESTS,
      issued: REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: REQUESTS,
    });
    expect(issuedByA + issuedByB).toBe(REQUESTS);
    expect(issuedByB).toBeGreaterThan(0);

    workerB.signal("SIGTERM");
    expect(await workerB.waitForExit(SHUTDOWN_GRACE_MS + EXIT_SLACK_MS)).toEqual({
      code: 0,
      signal: null,
    });
  }, 200_000);

  it("to the API with requests in flight: each gets its answer, it exits 0, and the requests are kept", async () => {
    world.reportOnFailure();
    // No worker runs: the synchronous requests stay in flight for their whole bounded wait.
    const runningWorkers = world.processes.filter((p) => p.name.startsWith("worker") && p.running);
    await Promise.all(runningWorkers.map((p) => p.kill()));
    const api = await world.startApi({ CERTQ_SYNC_WAIT_MS: String(SYNC_WAIT_MS) });
    profileId ??= await world.createProfile();
    const acceptedBefore = api.logsWithMsg("certificate request accepted").length;

    // Each must still be waiting when the signal lands, or it proves nothing about shutdown.
    let signalled = 0;
    const answeredEarly: string[] = [];
    const inFlight = Array.from({ length: IN_FLIGHT_SYNC_REQUESTS }, (_, i) =>
      world
        .call<{ certificateRequestId: string; status: string }>(
          "POST",
          "/api/v3/pki/certificates/issue-certificate",
          {
            body: {
              profileId,
              commonName: `sync-${i}.example.test`,
              ttl: "7d",
              signatureAlgorithm: "ECDSA-SHA256",
              keyAlgorithm: "RSA_2048",
            },
            timeoutMs: SYNC_WAIT_MS + 15_000,
          },
        )
        .catch((error: unknown) => error as Error)
        .then((reply) => {
          if (!signalled) answeredEarly.push(reply instanceof Error ? String(reply) : reply.text);
          return reply;
        }),
    );
    await world.waitFor(
      async () => {
        if (answeredEarly.length > 0) {
          throw new Error(`answered before the SIGTERM: ${answeredEarly.join(" | ")}`);
        }
        const accepted = api.logsWithMsg("certificate request accepted").length - acceptedBefore;
        return accepted >= IN_FLIGHT_SYNC_REQUESTS ? true : undefined;
      },
      { timeoutMs: 30_000, describe: () => api.tail() },
    );
    signalled = performance.now();
    api.signal("SIGTERM");
    const replies = await Promise.all(inFlight);
    const exit = await api.waitForExit(SYNC_WAIT_MS + 10_000);
    const exitMs = Math.round(performance.now() - signalled);

    const answered = replies.filter(
      (r): r is ApiReply<{ certificateRequestId: string; status: string }> => !(r instanceof Error),
    );
    expect(
      replies.filter((r) => r instanceof Error).map(String),
      "in-flight requests were cut off",
    ).toEqual([]);
    for (const reply of answered) {
      expect(reply.status, reply.text).toBe(202);
      expect(reply.body.status).toBe("pending");
    }
    expect(exit).toEqual({ code: 0, signal: null });

    // The accepted requests outlive the API: a worker started now issues them.
    const ids = answered.map((r) => r.body.certificateRequestId);
    await world.startWorker();
    const outcome = await world.waitUntilSettled(ids, { timeoutMs: 60_000 });
    console.log(
      `SIGTERM API: ${formatOutcome(outcome)} (API exited code ${exit.code} after ${exitMs} ms)`,
    );
    expect(outcome).toMatchObject({
      accepted: IN_FLIGHT_SYNC_REQUESTS,
      issued: IN_FLIGHT_SYNC_REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: IN_FLIGHT_SYNC_REQUESTS,
    });
  }, 120_000);
});
