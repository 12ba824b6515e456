import { type ConnectionOptions, type Job, Worker } from "bullmq";
import type { ChallengeValidators } from "../acme/challenge-validators";
import { type ChallengeOutcome, validateAcmeChallenge } from "../acme/validate-challenge";
import type { ServiceContext } from "../context";
import { ACME_VALIDATION_QUEUE, type JobPayload, parseJobPayload } from "../queue/job-catalog";

/**
 * Runs ACME challenge validations: one attempt per job run; a failure that may pass later
 * is thrown so BullMQ retries with backoff, and the last attempt (or the challenge's
 * deadline) ends the challenge invalid.
 */
export function createAcmeValidationWorker(options: {
  ctx: ServiceContext;
  connection: ConnectionOptions;
  prefix: string;
  validators: ChallengeValidators;
  concurrency?: number;
}) {
  const worker = new Worker<
    JobPayload<"validate-challenge">,
    ChallengeOutcome,
    "validate-challenge"
  >(
    ACME_VALIDATION_QUEUE,
    async function processValidationJob(job: Job<JobPayload<"validate-challenge">>) {
      const { challengeId } = parseJobPayload("validate-challenge", job.data);
      return validateAcmeChallenge({
        ctx: options.ctx,
        validators: options.validators,
        challengeId,
        lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 16,
    },
  );
  worker.on("error", (error) =>
    options.ctx.log.warn({ err: error.message }, "ACME validation worker error"),
  );
  return worker;
}

export type AcmeValidationWorker = ReturnType<typeof createAcmeValidationWorker>;
