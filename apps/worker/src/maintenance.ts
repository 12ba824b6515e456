import {
  createMaintenanceQueue,
  type IssuanceQueue,
  MAINTENANCE_QUEUE,
  parseJobPayload,
  rebuildCrl,
  reconcilePendingRequests,
  refreshCrls,
  type ServiceContext,
} from "@certq/core";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { runExclusivelyEvery } from "./exclusive-timer";

export interface MaintenanceOptions {
  ctx: ServiceContext;
  connection: Redis;
  prefix: string;
  issuanceQueue: IssuanceQueue;
  reconcileIntervalMs: number;
  pendingMaxAgeMs: number;
}

const CRL_REFRESH_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Housekeeping: the reconciler (once at start, then every interval in one worker at a time,
 * through a Redis lock that survives Redis restarting empty), and on the maintenance queue
 * CRL rebuilds after revocations and the hourly CRL refresh before nextUpdate.
 */
export async function startMaintenance(options: MaintenanceOptions) {
  const { ctx } = options;
  const reconcile = () =>
    reconcilePendingRequests({
      ctx,
      queue: options.issuanceQueue,
      maxAgeMs: options.pendingMaxAgeMs,
    });
  const queue = createMaintenanceQueue({ connection: options.connection, prefix: options.prefix });
  queue.on("error", (error) => ctx.log.warn({ err: error.message }, "maintenance queue error"));
  const reconciler = runExclusivelyEvery({
    redis: options.connection,
    key: `${options.prefix}:reconciler-lock`,
    intervalMs: options.reconcileIntervalMs,
    task: reconcile,
    log: ctx.log,
  });
  await queue.upsertJobScheduler(
    "refresh-crls",
    { every: CRL_REFRESH_INTERVAL_MS },
    { name: "refresh-crls", data: {} },
  );

  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async function processMaintenanceJob(job: Job) {
      switch (job.name) {
        case "rebuild-crl": {
          const { caId } = parseJobPayload("rebuild-crl", job.data);
          await rebuildCrl({ ctx, caId });
          return { caId };
        }
        case "refresh-crls":
          return { rebuilt: await refreshCrls({ ctx }) };
        default:
          ctx.log.warn({ name: job.name }, "unknown maintenance job ignored");
          return null;
      }
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", (error) => ctx.log.warn({ err: error.message }, "maintenance worker error"));
  await worker.waitUntilReady();
  await reconcile().catch((error: unknown) =>
    ctx.log.warn(
      { err: (error as Error).message },
      "start-up reconcile failed; the schedule will retry",
    ),
  );
  return {
    async close() {
      reconciler.stop();
      await worker.close();
      await queue.close();
    },
  };
}
