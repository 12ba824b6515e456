import { hostname } from "node:os";
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import type { ServiceContext } from "../context";
import { createIssuer, failRequest, type IssueOutcome } from "../issuance/issue-request";
import type { KeySource } from "../issuance/key-pool";
import { ISSUANCE_QUEUE, type JobPayload, parseJobPayload } from "../queue/job-catalog";
import { isPermanent } from "./is-permanent";
import type { WorkerMetrics } from "./worker-metrics";

export interface IssuanceWorkerOptions {
  ctx: ServiceContext;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Recorded on each job as processedBy; defaults to host and pid. */
  name?: string;
  /**
   * How long a job's lock lives without renewal. Key generation runs off the event loop,
   * so renewals keep flowing even during RSA-4096; a killed worker's jobs come back after
   * about this long.
   */
  lockDurationMs?: number;
  metrics?: WorkerMetrics;
  keySource?: KeySource;
  /** Queues the webhook of a request that ended; failures are logged, never fatal. */
  notify?: (requestId: string) => Promise<unknown>;
}

/** What a job of several requests returns: how each ended, counted (IDs stay in Postgres). */
export interface IssueBatchOutcome {
  issued: number;
  skipped: number;
  failed: number;
}

/** One request's attempt: its outcome, or why it failed and whether retrying can help. */
type Attempt = { outcome: IssueOutcome } | { error: Error; permanent: boolean };

/**
 * Runs issuance jobs. Permanent failures end the request `failed` and are not retried;
 * transient ones retry with backoff, and only the last attempt marks the request failed. A
 * job of several requests issues them together; one that fails transiently retries the
 * job, whose requests already ended are then skipped (each is claimed only while pending).
 */
export function createIssuanceWorker(options: IssuanceWorkerOptions) {
  const { ctx } = options;
  // Issuance never waits on, or fails for, a webhook: queueing it is best effort.
  const notify = async (requestId: string) => {
    await options
      .notify?.(requestId)
      .catch((error: unknown) =>
        ctx.log.warn({ requestId, err: (error as Error).message }, "webhook not queued"),
      );
  };
  const issuer = createIssuer({ ctx, keySource: options.keySource });

  async function attempt(requestId: string, job: Job, attempts: number): Promise<Attempt> {
    const started = performance.now();
    try {
      const outcome = await issuer.issue(requestId);
      options.metrics?.record(outcome, (performance.now() - started) / 1000);
      if (outcome.status === "issued" && outcome.webhook) await notify(requestId);
      return { outcome };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const permanent = isPermanent(error);
      options.metrics?.recordFailure(permanent);
      if (permanent) {
        if (await failRequest({ ctx, requestId, errorMessage: error.message })) {
          await notify(requestId);
        }
        ctx.log.info({ requestId, reason: error.message }, "certificate request failed");
        return { error, permanent };
      }
      if (job.attemptsMade + 1 >= attempts) {
        await failRequest({
          ctx,
          requestId,
          errorMessage: `Issuance failed after ${attempts} attempts: ${error.message}`,
        })
          .then((failed) => (failed ? notify(requestId) : undefined))
          .catch((e: unknown) =>
            ctx.log.error(
              { requestId, err: (e as Error).message },
              "could not mark request failed",
            ),
          );
      }
      ctx.log.warn(
        { requestId, attempt: job.attemptsMade + 1, err: error.message },
        "issuance attempt failed",
      );
      return { error, permanent };
    }
  }

  return new Worker<JobPayload<"issue">, IssueOutcome | IssueBatchOutcome, "issue">(
    ISSUANCE_QUEUE,
    async function processIssueJob(job: Job<JobPayload<"issue">, unknown, "issue">) {
      const payload = parseJobPayload("issue", job.data);
      const attempts = job.opts.attempts ?? 1;
      if ("requestId" in payload) {
        const result = await attempt(payload.requestId, job, attempts);
        if ("outcome" in result) return result.outcome;
        throw result.permanent ? new UnrecoverableError(result.error.message) : result.error;
      }
      const results = await Promise.all(payload.requestIds.map((id) => attempt(id, job, attempts)));
      const retry = results.flatMap((r) => ("error" in r && !r.permanent ? [r.error] : []));
      if (retry.length > 0) {
        throw new Error(
          `${retry.length} of ${results.length} requests failed: ${retry[0]?.message}`,
        );
      }
      const count = (test: (r: Attempt) => boolean) => results.filter(test).length;
      return {
        issued: count((r) => "outcome" in r && r.outcome.status === "issued"),
        skipped: count((r) => "outcome" in r && r.outcome.status === "skipped"),
        failed: count((r) => "error" in r),
      };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      name: options.name ?? `${hostname()}:${process.pid}`,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.lockDurationMs ?? 30_000,
      // A job that stalls this often is failed; it keeps the request pending, and the
      // reconciler then gives it a fresh job.
      maxStalledCount: 2,
    },
  );
}

export type IssuanceWorker = ReturnType<typeof createIssuanceWorker>;
