import type { Database } from "@certq/db";
import { type ConnectionOptions, Job, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import {
  type AcceptPendingRequest,
  createRequestAcceptor,
} from "../certificate-requests/submit-request";
import type { ServiceContext } from "../context";
import { createGroupCommit } from "../group-commit";
import { enqueueIssuances, type IssuanceQueue } from "../queue/issuance-queue";
import { ISSUANCE_QUEUE } from "../queue/job-catalog";
import type { Admit } from "./admission";

/**
 * The API's side of issuance: admit, store a request with its job, wait (bounded) for the
 * job to finish. Storing and enqueueing batch what concurrent submissions do at the same
 * moment.
 */
export interface IssuanceClient {
  admit: Admit;
  accept: AcceptPendingRequest;
  /** Queues a request already stored (renewals, ACME) as a job of its own. */
  enqueue(requestId: string): Promise<unknown>;
  /** Resolves when the job finishes, fails for good, vanishes, or the wait ends. */
  waitForJob(jobId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createIssuanceClient(options: {
  queue: IssuanceQueue;
  admit: Admit;
  db: Database;
  log: ServiceContext["log"];
  /**
   * A fresh Redis connection for the job-event listener (it blocks, so it needs its own; it
   * is closed with the listener).
   */
  openEventsConnection: () => ConnectionOptions;
  prefix: string;
  /** How long the event listener stays open after the last wait (default 30 s). */
  eventsIdleMs?: number;
}): Promise<IssuanceClient> {
  const events = createEventsOnDemand(options);
  return {
    admit: options.admit,
    accept: createRequestAcceptor(options),
    enqueue: createGroupCommit((requestIds: string[]) =>
      enqueueIssuances(options.queue, requestIds),
    ),
    async waitForJob(jobId, timeoutMs) {
      if (timeoutMs <= 0) return;
      // Woken by the job's completion event; failure, timeout or a Redis hiccup all just end
      // the wait: the caller reads the request's state from Postgres either way.
      const release = events.acquire();
      try {
        const job = await Job.fromId(options.queue, jobId);
        if (job) await job.waitUntilFinished(await release.events, timeoutMs);
      } catch {
      } finally {
        release.done();
      }
    },
    close: () => events.close(),
  };
}

/**
 * A QueueEvents listener only while someone waits for a job. Open all the time, it read
 * every job's events from Redis (XREAD) whether or not anyone waited: about 6 % of the API's
 * CPU in the benchmark, where no one does. It starts right after the newest event already in
 * the stream, so an event written while it connects is still seen.
 */
function createEventsOnDemand(options: {
  queue: IssuanceQueue;
  openEventsConnection: () => ConnectionOptions;
  prefix: string;
  eventsIdleMs?: number;
}) {
  const idleMs = options.eventsIdleMs ?? 30_000;
  let events: Promise<QueueEvents> | undefined;
  let waiting = 0;
  let idle: NodeJS.Timeout | undefined;
  const open = async () => {
    // BullMQ types its client narrowly; it is the ioredis client the queue was given.
    const client = (await options.queue.client) as unknown as Pick<Redis, "xrevrange">;
    const [newest] = await client.xrevrange(options.queue.toKey("events"), "+", "-", "COUNT", 1);
    const listener = new QueueEvents(ISSUANCE_QUEUE, {
      connection: options.openEventsConnection(),
      prefix: options.prefix,
      lastEventId: newest?.[0] ?? "0-0",
    });
    listener.on("error", () => {});
    await listener.waitUntilReady();
    return listener;
  };
  const close = async () => {
    clearTimeout(idle);
    const closing = events;
    events = undefined;
    await (await closing?.catch(() => undefined))?.close();
  };
  return {
    acquire() {
      waiting++;
      clearTimeout(idle);
      events ??= open();
      const current = events;
      // A listener that failed to open is not kept: the next wait tries again.
      current.catch(() => {
        if (events === current) events = undefined;
      });
      return {
        events: current,
        done() {
          waiting--;
          if (waiting === 0) idle = setTimeout(() => void close(), idleMs).unref();
        },
      };
    },
    close,
  };
}
