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
import { type ConnectionOptions, type Job, Worker } from "bullmq";

export interface MaintenanceOptions {
  ctx: ServiceContext;
  connection: ConnectionOptions;
  prefix: string;
  issuanceQueue: IssuanceQueue;
  reconcileIntervalMs: number;
  pendingMaxAgeMs: number;
}

const CRL_REFRESH_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Housekeeping on its own queue: the reconciler (once at start, then on a job scheduler:
 * however many workers run, one reconcile job exists per interval and one worker takes
 * it), CRL rebuilds after revocations, and the hourly CRL refresh before nextUpdate.
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
  await queue.upsertJobScheduler(
    "reconcile",
    { every: options.reconcileIntervalMs },
    { name: "reconcile", data: {} },
  );
  await queue.upsertJobScheduler(
    "refresh-crls",
    { every: CRL_REFRESH_INTERVAL_MS },
    { name: "refresh-crls", data: {} },
  );

  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async function processMaintenanceJob(job: Job) {
      switch (job.name) {
        case "reconcile":
          return reconcile();
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
      await worker.close();
      await queue.close();
    },
  };
}
