import type { AnnounceRevocation } from "../context";
import type { IssuanceClient } from "../issuance/issuance-client";
import {
  type AcmeValidationQueue,
  createAcmeValidationQueue,
  enqueueChallengeValidation,
} from "../queue/acme-validation-queue";
import type { RedisClient } from "../runtime/redis";
import type { AcmeDeps } from "./acme-context";
import { createNonceStore } from "./nonce-store";

/** An API process's ACME wiring: nonces in Redis, the validation queue, the issuance path. */
export function createAcmeDeps(options: {
  redis: RedisClient;
  prefix: string;
  issuance: Pick<IssuanceClient, "admit" | "enqueue">;
  announceRevocation: AnnounceRevocation;
  validationAttempts?: number;
  validationBackoffMs?: number;
  validationWindowMs?: number;
}): AcmeDeps & { validationQueue: AcmeValidationQueue; close(): Promise<void> } {
  const validationQueue = createAcmeValidationQueue({
    connection: options.redis,
    prefix: options.prefix,
    attempts: options.validationAttempts,
    backoffMs: options.validationBackoffMs,
  });
  return {
    validationQueue,
    nonces: createNonceStore({ redis: options.redis, prefix: options.prefix }),
    enqueueValidation: (challengeId) => enqueueChallengeValidation(validationQueue, challengeId),
    admit: options.issuance.admit,
    enqueueIssuance: (requestId) => options.issuance.enqueue(requestId),
    announceRevocation: options.announceRevocation,
    validationWindowMs: options.validationWindowMs,
    close: () => validationQueue.close(),
  };
}
