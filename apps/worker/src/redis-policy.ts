import type { Logger } from "@certq/config";
import type { Redis } from "ioredis";

/** BullMQ loses jobs silently when Redis evicts keys; say so loudly at start. */
export async function warnUnlessNoEviction(redis: Redis, log: Logger): Promise<string | null> {
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as string[];
    const policy = reply[1] ?? null;
    if (policy && policy !== "noeviction") {
      log.warn(
        { maxmemoryPolicy: policy },
        `Redis maxmemory-policy is '${policy}', not 'noeviction': under memory pressure Redis may delete queued jobs (the reconciler re-enqueues them, late). Set maxmemory-policy noeviction.`,
      );
    }
    return policy;
  } catch {
    // Managed Redis often forbids CONFIG; nothing to check then.
    return null;
  }
}
