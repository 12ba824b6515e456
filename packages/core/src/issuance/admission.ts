import { type Database, rawSql } from "@certq/db";
import type { Redis } from "ioredis";
import type { Principal } from "../auth/principal";
import { RateLimitedError } from "../errors";

export interface AdmissionOptions {
  /**
   * How many accepted requests have not ended (createPendingDepth). Counted in requests, not
   * jobs: a job may carry several.
   */
  depth: () => Promise<number>;
  redis: Pick<Redis, "multi">;
  /** Key prefix (the queue's hash tag), so counters live beside the queue. */
  prefix: string;
  maxQueueDepth: number;
  /** Per-token submissions per second when the token sets none; 0 turns the limit off. */
  defaultTokenRate: number;
  /**
   * How long one read of the queue depth is reused, counting this process's own admissions
   * on top of it, while the queue is under half full (default 100 ms; 0 reads the depth for
   * every submission).
   */
  depthMaxAgeMs?: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}

/** Decides, before anything is stored, whether a submission may enter the queue. */
export type Admit = (principal: Principal) => Promise<void>;

export const DEFAULT_DEPTH_MAX_AGE_MS = 100;

/**
 * The queue depth in requests: pending rows, counted up to `atMost` (past the limit the exact
 * figure does not matter, so a deep backlog costs no more to count than a full queue). One
 * index-only range of the status index.
 */
export function createPendingDepth(db: Database, atMost: number): () => Promise<number> {
  const q = rawSql(db);
  return async () => {
    const [row] = await q<{ n: number }[]>`
      select count(*)::int as n from (
        select 1 from certificate_requests where status = 'pending' limit ${atMost}
      ) pending`;
    return row?.n ?? 0;
  };
}

export function createAdmission(options: AdmissionOptions): Admit {
  const depth = createDepthEstimate(options);
  return async function admit(principal) {
    const full = await depth.reserve();
    if (full !== undefined) {
      throw new RateLimitedError(
        `The issuance queue is full (${full} requests waiting); retry later`,
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

/**
 * The queue depth without a database round trip per submission while the queue is under half
 * full: the last read (at most depthMaxAgeMs old, one read in flight at a time) plus what
 * this process admitted since. Other API processes' admissions show up at the next read, so
 * past half the limit every admission reads again (concurrent ones share the read): however
 * many replicas admit at once, only submissions in flight together can pass the limit. Before
 * refusing on an estimate that includes our own admissions we read again too.
 */
function createDepthEstimate(options: AdmissionOptions) {
  const maxAgeMs = options.depthMaxAgeMs ?? DEFAULT_DEPTH_MAX_AGE_MS;
  const reuseBelow = options.maxQueueDepth / 2;
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
        lastRead = await options.depth();
        readAt = startedAt;
        admittedSince -= before;
        return lastRead + admittedSince;
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  /** Counts one admission: undefined. */
  function admit(): undefined {
    admittedSince++;
    return undefined;
  }

  return {
    /** Counts one admission and resolves undefined, or resolves the depth that refuses it. */
    async reserve(): Promise<number | undefined> {
      if (maxAgeMs <= 0) {
        const waiting = await options.depth();
        return waiting >= options.maxQueueDepth ? waiting : undefined;
      }
      if (now() - readAt < maxAgeMs) {
        const estimate = lastRead + admittedSince;
        if (estimate < reuseBelow) return admit();
        if (estimate >= options.maxQueueDepth && admittedSince === 0) return estimate;
      }
      await read();
      // Checked and counted right after the read, so submissions sharing it see each other.
      const estimate = lastRead + admittedSince;
      return estimate < options.maxQueueDepth ? admit() : estimate;
    },
  };
}
