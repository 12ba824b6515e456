import { type ConnectionOptions, Job, QueueEvents } from "bullmq";
import { enqueueIssuance, type IssuanceQueue } from "../queue/issuance-queue";
import { ISSUANCE_QUEUE } from "../queue/job-catalog";

/** The API's side of the queue: add a request's job, and wait (bounded) for it to finish. */
export interface IssuanceClient {
  enqueue(requestId: string): Promise<unknown>;
  /** Resolves when the job finishes, fails for good, vanishes, or the wait ends. */
  waitForJob(requestId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createIssuanceClient(options: {
  queue: IssuanceQueue;
  /** QueueEvents blocks on Redis, so it needs a connection of its own (worker-style). */
  eventsConnection: ConnectionOptions;
  prefix: string;
}): Promise<IssuanceClient> {
  const events = new QueueEvents(ISSUANCE_QUEUE, {
    connection: options.eventsConnection,
    prefix: options.prefix,
  });
  events.on("error", () => {});
  await events.waitUntilReady();
  return {
    enqueue: (requestId) => enqueueIssuance(options.queue, requestId),
    async waitForJob(requestId, timeoutMs) {
      if (timeoutMs <= 0) return;
      const job = await Job.fromId(options.queue, requestId);
      if (!job) return;
      // Woken by the job's completion event; failures and timeouts end the wait the same way.
      await job.waitUntilFinished(events, timeoutMs).catch(() => {});
    },
    async close() {
      await events.close();
    },
  };
}
