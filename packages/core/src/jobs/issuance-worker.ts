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

/**
 * Runs issuance jobs. Permanent failures end the request `failed` and are not retried;
 * transient ones retry with backoff, and only the last attempt marks the request failed.
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
  return new Worker<JobPayload<"issue">, IssueOutcome, "issue">(
    ISSUANCE_QUEUE,
    async function processIssueJob(job: Job<JobPayload<"issue">, IssueOutcome, "issue">) {
      const { requestId } = parseJobPayload("issue", job.data);
      const started = performance.now();
      try {
        const outcome = await issuer.issue(requestId);
        options.metrics?.record(outcome, (performance.now() - started) / 1000);
        if (outcome.status === "issued" && outcome.webhook) await notify(requestId);
        return outcome;
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        options.metrics?.recordFailure(isPermanent(error));
        if (isPermanent(error)) {
          if (await failRequest({ ctx, requestId, errorMessage: message })) await notify(requestId);
          ctx.log.info({ requestId, reason: message }, "certificate request failed");
          throw new UnrecoverableError(message);
        }
        const attempts = job.opts.attempts ?? 1;
        if (job.attemptsMade + 1 >= attempts) {
          await failRequest({
            ctx,
            requestId,
            errorMessage: `Issuance failed after ${attempts} attempts: ${message}`,
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
          { requestId, attempt: job.attemptsMade + 1, err: message },
          "issuance attempt failed",
        );
        throw error;
      }
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
