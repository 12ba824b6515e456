import { type Job, Worker } from "bullmq";
import { renewDueCertificates } from "../certificates/renew-certificate";
import type { ServiceContext } from "../context";
import { reconcilePendingRequests } from "../issuance/reconcile";
import type { IssuanceQueue } from "../queue/issuance-queue";
import { MAINTENANCE_QUEUE, parseJobPayload } from "../queue/job-catalog";
import { createMaintenanceQueue } from "../queue/maintenance-queue";
import { rebuildCrl, refreshCrls } from "../revocation/crl";
import type { RedisClient } from "../runtime/redis";
import { runExclusivelyEvery } from "./exclusive-timer";

export interface MaintenanceOptions {
  ctx: ServiceContext;
  connection: RedisClient;
  prefix: string;
  issuanceQueue: IssuanceQueue;
  reconcileIntervalMs: number;
  pendingMaxAgeMs: number;
}

const CRL_REFRESH_INTERVAL_MS = 60 * 60 * 1000;
/** Renewal windows are days wide: a scan every quarter hour is early enough. */
const RENEWAL_SCAN_INTERVAL_MS = 15 * 60 * 1000;

/**
 * Housekeeping: the reconciler, the hourly CRL refresh before nextUpdate and the automatic
 * renewal scan (each once at
 * start, then every interval in one worker at a time, through a Redis lock that survives Redis
 * restarting empty, as a job scheduler kept in Redis would not), and on the maintenance queue
 * the CRL rebuilds after revocations.
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
  const crlRefresher = runExclusivelyEvery({
    redis: options.connection,
    key: `${options.prefix}:crl-refresh-lock`,
    intervalMs: CRL_REFRESH_INTERVAL_MS,
    task: () => refreshCrls({ ctx }),
    log: ctx.log,
  });
  const renewer = runExclusivelyEvery({
    redis: options.connection,
    key: `${options.prefix}:renewal-lock`,
    intervalMs: RENEWAL_SCAN_INTERVAL_MS,
    task: () => renewDueCertificates({ ctx, queue: options.issuanceQueue }),
    log: ctx.log,
  });

  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async function processMaintenanceJob(job: Job) {
      switch (job.name) {
        case "rebuild-crl": {
          const { caId } = parseJobPayload("rebuild-crl", job.data);
          await rebuildCrl({ ctx, caId });
          return { caId };
        }
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
  // Failures are logged by the timer, and its next tick retries.
  await crlRefresher.tick();
  await renewer.tick();
  return {
    async close() {
      reconciler.stop();
      crlRefresher.stop();
      renewer.stop();
      await worker.close();
      await queue.close();
    },
  };
}
