import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import type { ServiceContext } from "../context";
import { parseJobPayload, WEBHOOK_QUEUE } from "../queue/job-catalog";
import { deliverWebhook } from "../webhooks/deliver-webhook";
import { isPermanent } from "./is-permanent";

/**
 * Delivers webhooks; a failed delivery throws, and BullMQ retries it with backoff. A refused
 * address is permanent: the job fails at once, its reason kept as the job's failedReason.
 */
export function createWebhookWorker(options: {
  ctx: ServiceContext;
  connection: ConnectionOptions;
  prefix: string;
  concurrency?: number;
}) {
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async function processWebhookJob(job: Job) {
      const { requestId } = parseJobPayload("deliver-webhook", job.data);
      try {
        return { delivered: await deliverWebhook({ ctx: options.ctx, requestId }) };
      } catch (error) {
        if (isPermanent(error)) throw new UnrecoverableError((error as Error).message);
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 8,
    },
  );
  worker.on("failed", (job, error) =>
    options.ctx.log.warn(
      {
        requestId: job?.data?.requestId,
        attempt: job?.attemptsMade,
        permanent: error instanceof UnrecoverableError,
        err: error.message,
      },
      "webhook delivery failed",
    ),
  );
  worker.on("error", (error) =>
    options.ctx.log.warn({ err: error.message }, "webhook worker error"),
  );
  return worker;
}
