import { Queue, type QueueOptions } from "bullmq";
import { ISSUANCE_QUEUE, type JobPayload, parseJobPayload } from "./job-catalog";

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

/** The request ID is the job ID, so enqueueing a request twice while its job exists is a no-op. */
export async function enqueueIssuance(queue: IssuanceQueue, requestId: string) {
  const [job] = await enqueueIssuances(queue, [requestId]);
  return job;
}

/** enqueueIssuance for many requests in one round trip (one Redis MULTI). */
export async function enqueueIssuances(queue: IssuanceQueue, requestIds: string[]) {
  return queue.addBulk(
    requestIds.map((requestId) => ({
      name: "issue" as const,
      data: parseJobPayload("issue", { requestId }),
      opts: { jobId: requestId },
    })),
  );
}
