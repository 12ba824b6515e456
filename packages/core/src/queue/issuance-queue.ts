import { randomUUID } from "node:crypto";
import { Queue, type QueueOptions } from "bullmq";
import { ISSUANCE_QUEUE, type JobPayload, MAX_JOB_REQUESTS, parseJobPayload } from "./job-catalog";

export interface IssuanceQueueOptions {
  connection: QueueOptions["connection"];
  /** A Redis hash tag such as {certq}, so every key of the queue lands in one cluster slot. */
  prefix: string;
  attempts: number;
}

export type IssuanceQueue = Queue<JobPayload<"issue">, unknown, "issue">;

export function createIssuanceQueue(options: IssuanceQueueOptions): IssuanceQueue {
  return new Queue<JobPayload<"issue">, unknown, "issue">(ISSUANCE_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.attempts,
      backoff: { type: "exponential", delay: 1_000 },
      // Postgres is the record; Redis keeps finished jobs only briefly.
      removeOnComplete: { age: 3_600, count: 10_000 },
      removeOnFail: { age: 24 * 3_600 },
    },
  });
}

/** One issuance job: a request under its own ID, or several under a fresh one. */
export interface IssuanceJob {
  jobId: string;
  requestIds: string[];
}

/**
 * Splits requests stored together into jobs. Quick ones (a P-256 key to generate or a CSR
 * to sign: well under a millisecond) share jobs of up to MAX_JOB_REQUESTS, so BullMQ's cost
 * per job (its Lua scripts, some forty Redis commands) is paid once for all of them; slow
 * ones (RSA, P-384 and P-521 keys) keep a job each, so they spread over the workers.
 */
export function planIssuanceJobs(
  requests: readonly { id: string; quick: boolean }[],
  newJobId: () => string = randomUUID,
): IssuanceJob[] {
  const jobs: IssuanceJob[] = [];
  const quick = requests.filter((r) => r.quick).map((r) => r.id);
  for (let i = 0; i < quick.length; i += MAX_JOB_REQUESTS) {
    const requestIds = quick.slice(i, i + MAX_JOB_REQUESTS);
    jobs.push({
      jobId: requestIds.length === 1 ? (requestIds[0] as string) : newJobId(),
      requestIds,
    });
  }
  for (const r of requests) if (!r.quick) jobs.push({ jobId: r.id, requestIds: [r.id] });
  return jobs;
}

/** The request ID is the job ID, so enqueueing a request twice while its job exists is a no-op. */
export async function enqueueIssuance(queue: IssuanceQueue, requestId: string) {
  const [job] = await enqueueIssuances(queue, [requestId]);
  return job;
}

/** enqueueIssuance for many requests in one round trip (one Redis MULTI). */
export async function enqueueIssuances(queue: IssuanceQueue, requestIds: string[]) {
  return enqueueIssuanceJobs(
    queue,
    requestIds.map((requestId) => ({ jobId: requestId, requestIds: [requestId] })),
  );
}

/**
 * Adds jobs in one round trip. A job under its request's ID keeps the one-request payload,
 * which workers of every version read.
 */
export async function enqueueIssuanceJobs(queue: IssuanceQueue, jobs: readonly IssuanceJob[]) {
  return queue.addBulk(
    jobs.map(({ jobId, requestIds }) => ({
      name: "issue" as const,
      data: parseJobPayload(
        "issue",
        requestIds.length === 1 && requestIds[0] === jobId ? { requestId: jobId } : { requestIds },
      ),
      opts: { jobId },
    })),
  );
}
