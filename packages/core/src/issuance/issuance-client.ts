import { type ConnectionOptions, Job, QueueEvents } from "bullmq";
import { enqueueIssuance, type IssuanceQueue } from "../queue/issuance-queue";
import { ISSUANCE_QUEUE } from "../queue/job-catalog";
import type { Admit } from "./admission";

/** The API's side of the queue: admit, add a request's job, wait (bounded) for it to finish. */
export interface IssuanceClient {
  admit: Admit;
  enqueue(requestId: string): Promise<unknown>;
  /** Resolves when the job finishes, fails for good, vanishes, or the wait ends. */
  waitForJob(requestId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createIssuanceClient(options: {
  queue: IssuanceQueue;
  admit: Admit;
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
    admit: options.admit,
    enqueue: (requestId) => enqueueIssuance(options.queue, requestId),
    async waitForJob(requestId, timeoutMs) {
      if (timeoutMs <= 0) return;
      // Woken by the job's completion event; failure, timeout or a Redis hiccup all just end
      // the wait: the caller reads the request's state from Postgres either way.
      try {
        const job = await Job.fromId(options.queue, requestId);
        await job?.waitUntilFinished(events, timeoutMs);
      } catch {}
    },
    async close() {
      await events.close();
    },
  };
}
