import { Queue, type QueueOptions } from "bullmq";
import { parseJobPayload, WEBHOOK_QUEUE } from "./job-catalog";

export type WebhookQueue = Queue;

export function createWebhookQueue(options: {
  connection: QueueOptions["connection"];
  prefix: string;
  /** First retry delay; doubles each attempt. */
  backoffMs?: number;
}): WebhookQueue {
  return new Queue(WEBHOOK_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: "exponential", delay: options.backoffMs ?? 2_000 },
      removeOnComplete: { age: 3_600 },
      removeOnFail: { age: 7 * 24 * 3_600 },
    },
  });
}

/** One delivery per request outcome: the job ID makes a repeated enqueue a no-op. */
export async function enqueueWebhook(queue: WebhookQueue, requestId: string) {
  const data = parseJobPayload("deliver-webhook", { requestId });
  return queue.add("deliver-webhook", data, { jobId: `webhook-${requestId}` });
}
