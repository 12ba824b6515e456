import type { Database } from "@certq/db";
import { type ConnectionOptions, Job, QueueEvents } from "bullmq";
import {
  createPendingRequestInserter,
  type InsertPendingRequest,
} from "../certificate-requests/submit-request";
import { createGroupCommit } from "../group-commit";
import { enqueueIssuances, type IssuanceQueue } from "../queue/issuance-queue";
import { ISSUANCE_QUEUE } from "../queue/job-catalog";
import type { Admit } from "./admission";

/**
 * The API's side of issuance: admit, store a request, add its job, wait (bounded) for it to
 * finish. Storing and enqueueing batch what concurrent submissions do at the same moment.
 */
export interface IssuanceClient {
  admit: Admit;
  insert: InsertPendingRequest;
  enqueue(requestId: string): Promise<unknown>;
  /** Resolves when the job finishes, fails for good, vanishes, or the wait ends. */
  waitForJob(requestId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createIssuanceClient(options: {
  queue: IssuanceQueue;
  admit: Admit;
  db: Database;
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
    insert: createPendingRequestInserter(options.db),
    enqueue: createGroupCommit((requestIds: string[]) =>
      enqueueIssuances(options.queue, requestIds),
    ),
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
