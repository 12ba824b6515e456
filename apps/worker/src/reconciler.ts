import {
  type IssuanceQueue,
  MAINTENANCE_QUEUE,
  reconcilePendingRequests,
  type ServiceContext,
} from "@certq/core";
import { type ConnectionOptions, Queue, Worker } from "bullmq";

export interface ReconcilerOptions {
  ctx: ServiceContext;
  connection: ConnectionOptions;
  prefix: string;
  issuanceQueue: IssuanceQueue;
  intervalMs: number;
  maxAgeMs: number;
}

/**
 * Runs the reconciler once at start, then every `intervalMs` through a BullMQ job
 * scheduler: however many workers run, one reconcile job exists per interval and one
 * worker takes it.
 */
export async function startReconciler(options: ReconcilerOptions) {
  const { ctx } = options;
  const run = () =>
    reconcilePendingRequests({ ctx, queue: options.issuanceQueue, maxAgeMs: options.maxAgeMs });
  const queue = new Queue(MAINTENANCE_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 },
  });
  queue.on("error", (error) => ctx.log.warn({ err: error.message }, "maintenance queue error"));
  await queue.upsertJobScheduler(
    "reconcile",
    { every: options.intervalMs },
    { name: "reconcile", data: {} },
  );
  const worker = new Worker(MAINTENANCE_QUEUE, () => run(), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: 1,
  });
  worker.on("error", (error) => ctx.log.warn({ err: error.message }, "reconciler error"));
  await worker.waitUntilReady();
  await run().catch((error: unknown) =>
    ctx.log.warn(
      { err: (error as Error).message },
      "start-up reconcile failed; the schedule will retry",
    ),
  );
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
