import { Queue, type QueueOptions } from "bullmq";
import { ACME_VALIDATION_QUEUE, type JobPayload, parseJobPayload } from "./job-catalog";

export type AcmeValidationQueue = Queue<
  JobPayload<"validate-challenge">,
  unknown,
  "validate-challenge"
>;

export function createAcmeValidationQueue(options: {
  connection: QueueOptions["connection"];
  prefix: string;
  /** Attempts per challenge; each retry waits twice as long (from `backoffMs`). */
  attempts?: number;
  backoffMs?: number;
}): AcmeValidationQueue {
  return new Queue(ACME_VALIDATION_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? 6,
      backoff: { type: "exponential", delay: options.backoffMs ?? 1_000 },
      removeOnComplete: { age: 3_600 },
      removeOnFail: { age: 24 * 3_600 },
    },
  });
}

/** The challenge ID is the job ID: asking twice while a validation is queued adds nothing. */
export async function enqueueChallengeValidation(queue: AcmeValidationQueue, challengeId: string) {
  const data = parseJobPayload("validate-challenge", { challengeId });
  return queue.add("validate-challenge", data, { jobId: `challenge-${challengeId}` });
}
