import type { Redis } from "ioredis";
import type { Principal } from "../auth/principal";
import { RateLimitedError } from "../errors";
import type { IssuanceQueue } from "../queue/issuance-queue";

export interface AdmissionOptions {
  queue: IssuanceQueue;
  redis: Redis;
  /** Key prefix (the queue's hash tag), so counters live beside the queue. */
  prefix: string;
  maxQueueDepth: number;
  /** Per-token submissions per second when the token sets none; 0 turns the limit off. */
  defaultTokenRate: number;
}

/** Decides, before anything is stored, whether a submission may enter the queue. */
export type Admit = (principal: Principal) => Promise<void>;

export function createAdmission(options: AdmissionOptions): Admit {
  return async function admit(principal) {
    const waiting = await options.queue.getWaitingCount();
    if (waiting >= options.maxQueueDepth) {
      throw new RateLimitedError(
        `The issuance queue is full (${waiting} requests waiting); retry later`,
        5,
      );
    }
    const rate = principal.rateLimitPerSecond ?? options.defaultTokenRate;
    if (rate <= 0) return;
    // A fixed one-second window per token, shared by every API process through Redis.
    const second = Math.floor(Date.now() / 1000);
    const key = `${options.prefix}:rate:${principal.tokenId}:${second}`;
    const [[, count]] = (await options.redis.multi().incr(key).expire(key, 2).exec()) as [
      [Error | null, number],
    ];
    if (count > rate) {
      throw new RateLimitedError(
        `This token may submit ${rate} requests per second; retry shortly`,
        1,
      );
    }
  };
}
