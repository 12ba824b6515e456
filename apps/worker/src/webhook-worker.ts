import { deliverWebhook, parseJobPayload, type ServiceContext, WEBHOOK_QUEUE } from "@certq/core";
import { type ConnectionOptions, type Job, Worker } from "bullmq";

/** Delivers webhooks; a failed delivery throws, and BullMQ retries it with backoff. */
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
      return { delivered: await deliverWebhook({ ctx: options.ctx, requestId }) };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 8,
    },
  );
  worker.on("failed", (job, error) =>
    options.ctx.log.warn(
      { requestId: job?.data?.requestId, attempt: job?.attemptsMade, err: error.message },
      "webhook delivery failed",
    ),
  );
  worker.on("error", (error) =>
    options.ctx.log.warn({ err: error.message }, "webhook worker error"),
  );
  return worker;
}
