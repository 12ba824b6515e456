import type { Redis } from "ioredis";
import type { Principal } from "../auth/principal";
import { RateLimitedError } from "../errors";
import type { IssuanceQueue } from "../queue/issuance-queue";

export interface AdmissionOptions {
  queue: Pick<IssuanceQueue, "getWaitingCount">;
  redis: Pick<Redis, "multi">;
  /** Key prefix (the queue's hash tag), so counters live beside the queue. */
  prefix: string;
  maxQueueDepth: number;
  /** Per-token submissions per second when the token sets none; 0 turns the limit off. */
  defaultTokenRate: number;
  /**
   * How long one read of the queue depth is reused, counting this process's own admissions
   * on top of it (default 100 ms; 0 reads Redis for every submission).
   */
  depthMaxAgeMs?: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}

/** Decides, before anything is stored, whether a submission may enter the queue. */
export type Admit = (principal: Principal) => Promise<void>;

export const DEFAULT_DEPTH_MAX_AGE_MS = 100;

export function createAdmission(options: AdmissionOptions): Admit {
  const depth = createDepthEstimate(options);
  return async function admit(principal) {
    const waiting = await depth.current();
    if (waiting >= options.maxQueueDepth) {
      throw new RateLimitedError(
        `The issuance queue is full (${waiting} requests waiting); retry later`,
        5,
      );
    }
    depth.admitted();
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

/**
 * The queue depth without a Redis round trip per submission: the last read (at most
 * depthMaxAgeMs old, one read in flight at a time) plus what this process admitted since.
 * Other API processes' admissions show up at the next read; workers' progress too, and
 * before refusing on an estimate that includes our own admissions we read again. The
 * limit is approximate by nature (jobs are not reserved against it), so is this.
 */
function createDepthEstimate(options: AdmissionOptions) {
  const maxAgeMs = options.depthMaxAgeMs ?? DEFAULT_DEPTH_MAX_AGE_MS;
  const now = options.now ?? (() => performance.now());
  let lastRead = 0;
  let readAt = Number.NEGATIVE_INFINITY;
  /** Admissions since the last read started: that read may not include them. */
  let admittedSince = 0;
  let reading: Promise<number> | undefined;

  function read(): Promise<number> {
    reading ??= (async () => {
      const before = admittedSince;
      const startedAt = now();
      try {
        lastRead = await options.queue.getWaitingCount();
        readAt = startedAt;
        admittedSince -= before;
        return lastRead + admittedSince;
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  return {
    async current(): Promise<number> {
      if (maxAgeMs <= 0) return options.queue.getWaitingCount();
      if (now() - readAt < maxAgeMs) {
        const estimate = lastRead + admittedSince;
        if (estimate < options.maxQueueDepth || admittedSince === 0) return estimate;
      }
      return read();
    },
    admitted() {
      admittedSince++;
    },
  };
}
