import { Queue, type QueueOptions } from "bullmq";
import { MAINTENANCE_QUEUE, parseJobPayload } from "./job-catalog";

export type MaintenanceQueue = Queue;

export function createMaintenanceQueue(options: {
  connection: QueueOptions["connection"];
  prefix: string;
}): MaintenanceQueue {
  return new Queue(MAINTENANCE_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: 100,
    },
  });
}

/** How long a burst of revocations is gathered into one CRL build. */
export const CRL_REBUILD_DELAY_MS = 500;

/**
 * Asks for a CA's CRL to be rebuilt. While a build for that CA waits, further requests are
 * no-ops (same job ID), so a burst of revocations builds one CRL that lists them all.
 */
export async function enqueueCrlRebuild(queue: MaintenanceQueue, caId: string) {
  const data = parseJobPayload("rebuild-crl", { caId });
  return queue.add("rebuild-crl", data, { jobId: `crl-${caId}`, delay: CRL_REBUILD_DELAY_MS });
}
