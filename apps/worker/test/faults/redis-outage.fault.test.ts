import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiReply, delay, FaultWorld, formatOutcome, PrivateRedis } from "./process-harness";

const OUTAGE_MS = 5_000;
const CLIENTS = 3;
/** Bounds the submission loop whatever happens to the timing. */
const MAX_SUBMISSIONS = 600;
const SUBMIT_TIMEOUT_MS = 10_000;
/** Accepted before the outage: more than the worker clears at once, so jobs wait in Redis. */
const ACCEPTED_BEFORE_OUTAGE = 30;
const ACCEPTED_AFTER_OUTAGE = 10;

type Phase = "before" | "outage" | "after";

interface Submission {
  phase: Phase;
  /** The HTTP status, or how the call ended without one. */
  status: number | "timeout" | "network-error";
  text: string;
  body: unknown;
  elapsedMs: number;
}

interface Readiness {
  phase: Phase;
  status: number | "timeout" | "network-error";
  body: unknown;
}

const errorShape = {
  reqId: expect.any(String),
  statusCode: 503,
  message: expect.any(String),
  error: expect.any(String),
};

describe("Redis stopped for 5 s while clients submit", () => {
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

  function failureKind(error: unknown): "timeout" | "network-error" {
    const name = (error as Error).name;
    return name === "TimeoutError" || name === "AbortError" ? "timeout" : "network-error";
  }

  it("answers 202 or 503 (never 500, never a hang), reports Redis down, recovers, and issues every accepted request", async () => {
    world.reportOnFailure();
    await world.startApi();
    const worker = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "2" });
    const profileId = await world.createProfile();

    let phase: Phase = "before";
    let waitingAtOutage = 0;
    let stopped = false;
    const submissions: Submission[] = [];
    const accepted = (only?: Phase) =>
      submissions.filter((s) => s.status === 202 && (!only || s.phase === only));
    const client = async (clientIndex: number) => {
      for (let i = 0; !stopped && submissions.length < MAX_SUBMISSIONS; i++) {
        const startedIn = phase;
        const started = performance.now();
        try {
          const reply = await world.submit(
            profileId,
            `c${clientIndex}-${i}.example.test`,
            "RSA_2048",
            SUBMIT_TIMEOUT_MS,
          );
          submissions.push({ phase: startedIn, ...reply });
        } catch (error) {
          submissions.push({
            phase: startedIn,
            status: failureKind(error),
            text: String(error),
            body: undefined,
            elapsedMs: performance.now() - started,
          });
        }
        // Pacing, so the loop stays a steady client rather than a busy spin on 503s.
        await delay(100);
      }
    };
    const clients = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));

    const readiness: Readiness[] = [];
    const probeReadiness = async () => {
      const startedIn = phase;
      try {
        const reply: ApiReply = await world.call("GET", "/readyz", { timeoutMs: 5_000 });
        readiness.push({ phase: startedIn, status: reply.status, body: reply.body });
      } catch (error) {
        readiness.push({ phase: startedIn, status: failureKind(error), body: String(error) });
      }
      return readiness[readiness.length - 1] as Readiness;
    };

    try {
      await world.waitFor(
        async () => (accepted().length >= ACCEPTED_BEFORE_OUTAGE ? true : undefined),
        {
          timeoutMs: 60_000,
          describe: () => `accepted ${accepted().length} of ${submissions.length}`,
        },
      );
      // Jobs must be waiting in Redis when it dies, or there is nothing for the reconciler to
      // bring back and the test proves less than it claims.
      waitingAtOutage = await world.issuanceJobs("wait");
      phase = "outage";
      await redis.stop();
      // The outage lasts a fixed time on purpose: that is the fault being injected.
      const outageEnds = Date.now() + OUTAGE_MS;
      while (Date.now() < outageEnds) {
        await probeReadiness();
        await delay(250);
      }
      await redis.restart();
      phase = "after";

      await world.waitFor(
        async () => ((await probeReadiness()).status === 200 ? true : undefined),
        {
          timeoutMs: 30_000,
          describe: () => JSON.stringify(readiness.slice(-3)),
        },
      );
      await world.waitFor(
        async () => (accepted("after").length >= ACCEPTED_AFTER_OUTAGE ? true : undefined),
        {
          timeoutMs: 60_000,
          describe: () =>
            `accepted after the outage ${accepted("after").length}; last: ${submissions
              .slice(-3)
              .map((s) => `${s.status} ${s.text}`)
              .join(" | ")}`,
        },
      );
    } finally {
      stopped = true;
      await clients;
    }

    const byStatus = (status: Submission["status"]) =>
      submissions.filter((s) => s.status === status).length;
    const unexpected = submissions.filter((s) => s.status !== 202 && s.status !== 503);
    expect(
      unexpected.map((s) => {
        const reqId = (s.body as { reqId?: string } | undefined)?.reqId;
        return [`${s.phase} ${s.status} ${s.text}`, ...(reqId ? world.linesMentioning(reqId) : [])];
      }),
      "submissions answered neither 202 nor 503",
    ).toEqual([]);
    for (const s of submissions.filter((s) => s.status === 503)) {
      expect(s.body, s.text).toMatchObject(errorShape);
    }
    expect(
      submissions.filter((s) => s.phase === "outage" && s.status === 503).length,
      "no submission was refused during the outage",
    ).toBeGreaterThan(0);

    const redisDown = readiness.filter(
      (r) =>
        r.phase === "outage" &&
        r.status === 503 &&
        (r.body as { checks?: Record<string, string> }).checks?.redis === "down",
    );
    expect(redisDown.length, JSON.stringify(readiness)).toBeGreaterThan(0);
    expect(
      readiness.filter((r) => typeof r.status !== "number"),
      "/readyz hung or dropped the connection",
    ).toEqual([]);
    expect(
      redisDown.every(
        (r) => (r.body as { checks: Record<string, string> }).checks.postgres === "ok",
      ),
    ).toBe(true);

    expect(waitingAtOutage, "no job was waiting in Redis when it stopped").toBeGreaterThan(0);
    const idsOf = (only?: Phase) =>
      accepted(only).map((s) => (s.body as { certificateRequestId: string }).certificateRequestId);
    const ids = idsOf();
    const outcome = await world.waitUntilSettled(ids, { timeoutMs: 90_000 });
    const lostBefore = (await world.outcome(idsOf("before"))).lost;
    const lostAfter = (await world.outcome(idsOf("after"))).lost;
    const slowestMs = Math.round(Math.max(...submissions.map((s) => s.elapsedMs)));
    const [rows] = await world.observer<{ count: number }[]>`
      select count(*)::int as count from certificate_requests`;
    const requeued = world.processes
      .flatMap((p) => p.logsWithMsg("reconciler repaired pending requests"))
      .reduce((sum, line) => sum + Number(line.requeued ?? 0), 0);
    console.log(
      `Redis outage: ${formatOutcome(outcome)} (submissions=${submissions.length} 202=${byStatus(202)} 503=${byStatus(503)} other=${unexpected.length}, accepted before/during/after=${accepted("before").length}/${accepted("outage").length}/${accepted("after").length}, jobs waiting at the outage=${waitingAtOutage}, lost of those accepted before/after=${lostBefore}/${lostAfter}, re-enqueued=${requeued}, request rows=${rows?.count}, slowest submission=${slowestMs} ms)`,
    );
    expect(lostAfter, "requests accepted after the outage stayed pending: no worker resumed").toBe(
      0,
    );
    expect(
      outcome,
      "accepted requests whose jobs died with Redis were never re-enqueued",
    ).toMatchObject({
      accepted: ids.length,
      issued: ids.length,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: ids.length,
    });
    // A refused (503) submission must leave nothing behind that a worker would issue.
    expect(rows?.count, "rows of refused submissions were kept").toBe(ids.length);
    expect(worker.running, "the worker died during the outage").toBe(true);
    expect(world.api?.running, "the API died during the outage").toBe(true);
  }, 240_000);
});
