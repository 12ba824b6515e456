import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiReply,
  FaultWorld,
  formatOutcome,
  OBSERVER_APPLICATION_NAME,
} from "./process-harness";

const REQUESTS = 100;
const SUBMIT_CLIENTS = 8;
/** Bounds the submission loop: refused attempts are retried, but not forever. */
const MAX_SUBMISSIONS = 400;
const TERMINATIONS = 5;
/** Requests accepted (or issued) between two terminations, so each lands mid-stream. */
const PROGRESS_BETWEEN_TERMINATIONS = 8;

const errorShape = {
  reqId: expect.any(String),
  statusCode: 503,
  message: expect.any(String),
  error: expect.any(String),
};

describe("pg_terminate_backend on the service's connections", () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await FaultWorld.create();
  }, 60_000);
  afterAll(() => world?.close(), 60_000);

  /** Ends every backend of this test's database but the observer's; returns how many. */
  async function terminateServiceConnections(): Promise<number> {
    const [row] = await world.observer<{ terminated: number }[]>`
      select count(*) filter (where ok)::int as terminated from (
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = ${world.db.name} and pid <> pg_backend_pid()
          and application_name <> ${OBSERVER_APPLICATION_NAME}) as t`;
    return row?.terminated ?? 0;
  }

  /**
   * Terminates the service's connections up to TERMINATIONS times, each once `progress()`
   * has moved PROGRESS_BETWEEN_TERMINATIONS past the previous one; stops early when `done()`.
   */
  async function terminateAlongside(progress: () => Promise<number>, done: () => Promise<boolean>) {
    let terminations = 0;
    let backendsEnded = 0;
    let mark = 0;
    while (terminations < TERMINATIONS) {
      const target = mark + (terminations === 0 ? 1 : PROGRESS_BETWEEN_TERMINATIONS);
      const reached = await world.waitFor(
        async () => {
          if (await done()) return -1;
          const now = await progress();
          return now >= target ? now : undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 50,
          describe: async () => `progress ${await progress()} < ${target}`,
        },
      );
      if (reached < 0) break;
      backendsEnded += await terminateServiceConnections();
      terminations++;
      mark = reached;
    }
    return { terminations, backendsEnded };
  }

  it("while the API takes submissions: each is 202 or 503 (never 500, never a hang) and the API stays up; then, while a worker processes them: all issued once, none failed, and the API answers afterwards", async () => {
    world.reportOnFailure();
    const api = await world.startApi();
    const profileId = await world.createProfile();

    // Phase 1: the API alone, its pool terminated under a stream of submissions.
    const replies: (ApiReply<{ certificateRequestId: string }> | Error)[] = [];
    const accepted: string[] = [];
    let attempts = 0;
    const client = async (clientIndex: number) => {
      while (accepted.length < REQUESTS && attempts < MAX_SUBMISSIONS) {
        const attempt = attempts++;
        const reply = await world
          .submit(profileId, `t${clientIndex}-${attempt}.example.test`, "EC_prime256v1", 10_000)
          .catch((error: unknown) => error as Error);
        replies.push(reply);
        if (!(reply instanceof Error) && reply.status === 202) {
          accepted.push(reply.body.certificateRequestId);
        }
      }
    };
    const submitting = Promise.all(Array.from({ length: SUBMIT_CLIENTS }, (_, i) => client(i)));
    let submissionsDone = false;
    void submitting.finally(() => {
      submissionsDone = true;
    });
    const apiFaults = await terminateAlongside(
      async () => accepted.length,
      async () => submissionsDone,
    );
    await submitting;

    const unanswered = replies.filter((r): r is Error => r instanceof Error);
    expect(unanswered.map(String), "submissions that hung or lost their connection").toEqual([]);
    const answered = replies as ApiReply[];
    const refused = answered.filter((r) => r.status === 503);
    expect(
      answered
        .filter((r) => r.status !== 202 && r.status !== 503)
        .map((r) => {
          const reqId = (r.body as { reqId?: string } | undefined)?.reqId;
          return [`${r.status} ${r.text}`, ...(reqId ? world.linesMentioning(reqId) : [])];
        }),
      "submissions answered neither 202 nor 503",
    ).toEqual([]);
    for (const reply of refused) expect(reply.body, reply.text).toMatchObject(errorShape);
    // Clients in flight when the count is reached still land, so a few more may be accepted.
    expect(accepted.length).toBeGreaterThanOrEqual(REQUESTS);
    expect(apiFaults.terminations, "submissions outran the terminations").toBeGreaterThanOrEqual(3);
    expect(api.running, "the API died").toBe(true);

    // Phase 2: a worker processes the batch (EC keys: database-bound) under terminations.
    const worker = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });
    const issued = async () => (await world.statusCounts(accepted)).issued ?? 0;
    const workerFaults = await terminateAlongside(
      issued,
      async () => ((await world.statusCounts(accepted)).pending ?? 0) === 0,
    );
    expect(
      workerFaults.terminations,
      "the batch finished before the terminations",
    ).toBeGreaterThanOrEqual(3);

    const outcome = await world.waitUntilSettled(accepted, { timeoutMs: 90_000 });
    const [rows] = await world.observer<{ count: number }[]>`
      select count(*)::int as count from certificate_requests`;
    const retried = worker.logsWithMsg("issuance attempt failed").length;
    console.log(
      `pg_terminate_backend: ${formatOutcome(outcome)} (submissions=${replies.length} 202=${accepted.length} 503=${refused.length}; terminations during submissions=${apiFaults.terminations} (backends ${apiFaults.backendsEnded}), during processing=${workerFaults.terminations} (backends ${workerFaults.backendsEnded}); attempts retried=${retried}; request rows=${rows?.count})`,
    );
    expect(outcome).toMatchObject({
      accepted: accepted.length,
      issued: accepted.length,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: accepted.length,
    });

    // Every pooled connection of the API was ended too: it must reconnect by itself.
    const readBacks: ApiReply[] = [];
    const readBack = await world.waitFor(
      async () => {
        const reply = await world.call(
          "GET",
          `/api/v1/cert-manager/certificates/certificate-requests/${accepted[0]}`,
          { timeoutMs: 10_000 },
        );
        readBacks.push(reply);
        return reply.status === 200 ? reply : undefined;
      },
      {
        timeoutMs: 15_000,
        describe: () => readBacks.map((r) => `${r.status} ${r.text}`).join("\n"),
      },
    );
    expect(readBack.body).toMatchObject({ status: "issued" });
    // A connection ended a moment ago may fail one query (503, retryable); never a 500.
    for (const reply of readBacks) expect([200, 503], reply.text).toContain(reply.status);
    console.log(
      `pg_terminate_backend: reads after the faults: ${readBacks.map((r) => r.status).join(",")}`,
    );
    const again = await world.submit(profileId, "after-terminations.example.test", "EC_prime256v1");
    expect(again.status, again.text).toBe(202);
    const last = await world.waitUntilSettled([again.body.certificateRequestId], {
      timeoutMs: 30_000,
    });
    expect(last).toMatchObject({ issued: 1, lost: 0 });
  }, 240_000);
});
