import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiReply,
  FaultWorld,
  formatOutcome,
  OBSERVER_APPLICATION_NAME,
  waitFor,
} from "./process-harness";

const REQUESTS = 100;
const TERMINATIONS = 5;
/** Issued requests between two terminations, so each one lands mid-batch. */
const PROGRESS_BETWEEN_TERMINATIONS = 8;

describe("pg_terminate_backend on the service's connections while requests are processed", () => {
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

  it("still issues every request once, fails none, and the API answers again afterwards", async () => {
    world.reportOnFailure();
    await world.startApi();
    const profileId = await world.createProfile();
    // Queued first, so processing (EC keys: database-bound) is what the terminations hit.
    const ids = await world.submitMany(profileId, REQUESTS, "EC_prime256v1");
    const worker = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });

    let terminated = 0;
    let terminations = 0;
    let lastIssued = 0;
    while (terminations < TERMINATIONS) {
      const target = lastIssued + (terminations === 0 ? 1 : PROGRESS_BETWEEN_TERMINATIONS);
      const issued = await waitFor(
        async () => {
          const counts = await world.statusCounts(ids);
          if ((counts.pending ?? 0) === 0) return -1;
          return (counts.issued ?? 0) >= target ? (counts.issued ?? 0) : undefined;
        },
        {
          timeoutMs: 60_000,
          describe: async () => JSON.stringify(await world.statusCounts(ids)),
        },
      );
      if (issued < 0) break;
      terminated += await terminateServiceConnections();
      terminations++;
      lastIssued = issued;
    }
    // The batch must not have outrun the faults, or this test proves nothing.
    expect(terminations, "the batch finished before the terminations").toBeGreaterThanOrEqual(3);

    const outcome = await world.waitUntilSettled(ids, 90_000);
    const retried = worker.logsWithMsg("issuance attempt failed").length;
    console.log(
      `pg_terminate_backend: ${formatOutcome(outcome)} (terminations=${terminations}, backends ended=${terminated}, attempts retried=${retried})`,
    );
    expect(outcome).toMatchObject({
      accepted: REQUESTS,
      issued: REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: REQUESTS,
    });

    // The API's pooled connections were all ended too: it must reconnect by itself.
    const replies: ApiReply[] = [];
    const readBack = await waitFor(
      async () => {
        const reply = await world.call(
          "GET",
          `/api/v1/cert-manager/certificates/certificate-requests/${ids[0]}`,
          { timeoutMs: 10_000 },
        );
        replies.push(reply);
        return reply.status === 200 ? reply : undefined;
      },
      {
        timeoutMs: 15_000,
        describe: () => replies.map((r) => `${r.status} ${r.text}`).join("\n"),
      },
    );
    expect(readBack.body).toMatchObject({ status: "issued" });
    for (const reply of replies) expect([200, 503], reply.text).toContain(reply.status);
    const again = await world.submit(profileId, "after-terminations.example.test", "EC_prime256v1");
    expect(again.status, again.text).toBe(202);
    const last = await world.waitUntilSettled([again.body.certificateRequestId], 30_000);
    expect(last).toMatchObject({ issued: 1, lost: 0 });
  }, 200_000);
});
