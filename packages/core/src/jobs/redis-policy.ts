import type { Logger } from "@certq/config";
import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "../runtime/redis";

/**
 * BullMQ loses jobs silently when Redis evicts keys; say so loudly at start. On a Cluster
 * every master is asked (each holds the queue's slot after some failover). Returns the first
 * master's policy.
 */
export async function warnUnlessNoEviction(
  redis: RedisClient,
  log: Logger,
): Promise<string | null> {
  const masters: Redis[] = redis instanceof Cluster ? redis.nodes("master") : [redis];
  let first: string | null = null;
  for (const node of masters) {
    try {
      const reply = (await node.config("GET", "maxmemory-policy")) as string[];
      const policy = reply[1] ?? null;
      first ??= policy;
      if (policy && policy !== "noeviction") {
        const where = redis instanceof Cluster ? `${node.options.host}:${node.options.port}` : "";
        log.warn(
          { maxmemoryPolicy: policy, ...(where ? { node: where } : {}) },
          `Redis maxmemory-policy is '${policy}', not 'noeviction': under memory pressure Redis may delete queued jobs (the reconciler re-enqueues them, late). Set maxmemory-policy noeviction.`,
        );
      }
    } catch {
      // Managed Redis often forbids CONFIG; nothing to check then.
    }
  }
  return first;
}
