import { Redis, type RedisOptions } from "ioredis";

/**
 * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest null);
 * producers (the API) fail fast so a Redis outage becomes a 503, not a hanging request.
 */
export function createRedis(
  url: string,
  role: "worker" | "producer",
  extra: RedisOptions = {},
): Redis {
  const base: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000 };
  return new Redis(url, {
    ...base,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}
