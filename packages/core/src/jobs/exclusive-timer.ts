import type { Logger } from "@certq/config";
import type { RedisClient } from "../runtime/redis";

/**
 * Runs `task` every `intervalMs` in at most one process at a time across all workers: each
 * worker ticks, and the one that takes a Redis lock (SET NX PX) for the interval runs it.
 * Unlike a job scheduler kept in Redis, this survives Redis restarting empty: the next
 * tick simply takes the lock again. Across a Sentinel or Cluster failover (asynchronous
 * replication) a fresh lock can be lost, letting a second worker run for at most one interval:
 * the tasks given here (reconcile, CRL refresh) are safe to overlap.
 */
export function runExclusivelyEvery(options: {
  redis: RedisClient;
  key: string;
  intervalMs: number;
  task: () => Promise<unknown>;
  log: Logger;
}) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const won = await options.redis.set(
        options.key,
        String(process.pid),
        "PX",
        options.intervalMs,
        "NX",
      );
      if (won === "OK") await options.task();
    } catch (error) {
      options.log.warn(
        { err: (error as Error).message, key: options.key },
        "periodic task failed; next tick retries",
      );
    } finally {
      running = false;
    }
  };
  // Jitter spreads the workers' ticks so one of them is usually first, not all at once.
  const timer = setInterval(tick, options.intervalMs + Math.floor(Math.random() * 250));
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
