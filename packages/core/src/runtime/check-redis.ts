import { describeRedis, type RedisConnectionConfig } from "@certq/config";
import { Cluster, Redis } from "ioredis";
import { DependencyUnreachableError } from "./check-dependencies";
import { createRedis, type RedisClient, redisTlsOptions } from "./redis";

function howToStart(config: RedisConnectionConfig): string {
  if (config.topology === "cluster") return "Start the cluster or fix CERTQ_REDIS_CLUSTER_NODES.";
  if (config.topology === "sentinel") return "Start the master or check the sentinels' view of it.";
  return "Start it (docker compose up -d redis, or redis-server --maxmemory-policy noeviction) or point REDIS_URL at a running server.";
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return (e.code ?? e.message ?? String(error)).replace(/\.+$/, "");
}

/** The variable that holds the data nodes' password, for a refused login. */
function passwordVariable(config: RedisConnectionConfig): string {
  if (config.password !== undefined) return "CERTQ_REDIS_PASSWORD";
  return config.topology === "single" ? "REDIS_URL" : "CERTQ_REDIS_PASSWORD";
}

/**
 * Start-up check of the configured Redis, one readable line per problem (thrown), for what
 * would otherwise fail later and obscurely: nothing reachable, credentials refused, an unknown
 * Sentinel master, a Cluster whose slot for the queue prefix is not served, an ACL user that
 * may not use the queue's keys or run scripts.
 */
export async function checkRedis(config: RedisConnectionConfig, prefix: string): Promise<void> {
  const where = describeRedis(config);
  if (config.topology === "sentinel") await checkSentinels(config, where);
  const client = createRedis(config, "producer", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(config.topology === "sentinel" ? { sentinelRetryStrategy: () => null } : {}),
  });
  if (client instanceof Cluster) client.options.clusterRetryStrategy = () => null;
  // ioredis reports the socket error (ECONNREFUSED...) as an event; connect() only says closed.
  let socketError: unknown;
  client.on("error", (error) => {
    socketError ??= error;
  });
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      const cause = socketError ?? error;
      const lastNode = (cause as { lastNodeError?: unknown }).lastNodeError;
      const text = `${reason(cause)} ${lastNode ? reason(lastNode) : ""}`;
      if (/WRONGPASS|NOAUTH|invalid password|invalid username/i.test(text)) {
        throw new DependencyUnreachableError(
          `certq: Redis at ${where} refused the login: ${text.trim()}. Check the user and password (${passwordVariable(config)}).`,
        );
      }
      throw new DependencyUnreachableError(
        `certq: cannot reach Redis at ${where}: ${text.trim()}. ${howToStart(config)}`,
      );
    }
    if (client instanceof Cluster) await checkClusterSlot(client, prefix, where);
    await checkKeyAccess(client, prefix, where);
  } finally {
    client.disconnect();
  }
}

async function checkSentinels(
  config: Extract<RedisConnectionConfig, { topology: "sentinel" }>,
  where: string,
): Promise<void> {
  const answers = await Promise.all(
    config.sentinels.map(async (address) => {
      const sentinel = new Redis({
        ...address,
        lazyConnect: true,
        connectTimeout: 3_000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...(config.sentinelPassword !== undefined ? { password: config.sentinelPassword } : {}),
        ...(config.tls ? { tls: redisTlsOptions(config.tls) } : {}),
      });
      sentinel.on("error", () => {});
      try {
        await sentinel.connect();
        const master = await sentinel.call(
          "SENTINEL",
          "get-master-addr-by-name",
          config.masterName,
        );
        return { reached: true, known: Array.isArray(master), error: undefined };
      } catch (error) {
        return { reached: false, known: false, error: reason(error) };
      } finally {
        sentinel.disconnect();
      }
    }),
  );
  const reached = answers.filter((a) => a.reached);
  if (reached.length === 0) {
    throw new DependencyUnreachableError(
      `certq: cannot reach any Redis sentinel of ${where}: ${answers[0]?.error ?? "no sentinel"}. Start the sentinels or fix CERTQ_REDIS_SENTINELS.`,
    );
  }
  if (!reached.some((a) => a.known)) {
    throw new DependencyUnreachableError(
      `certq: the sentinels of ${where} know no master named "${config.masterName}". Check CERTQ_REDIS_SENTINEL_MASTER (sentinel monitor <name> ...).`,
    );
  }
}

async function checkClusterSlot(cluster: Cluster, prefix: string, where: string): Promise<void> {
  const info = String(await cluster.cluster("INFO"));
  const state = /cluster_state:(\w+)/.exec(info)?.[1];
  const slot = Number(await cluster.cluster("KEYSLOT", prefix));
  const owners = cluster.slots[slot] ?? [];
  if (state !== "ok" || owners.length === 0) {
    throw new DependencyUnreachableError(
      `certq: Redis Cluster ${where} cannot serve the queue: cluster_state is ${state ?? "unknown"}, slot ${slot} of ${prefix} is ${owners.length ? `served by ${owners[0]}` : "not served by any node"}. Fix the cluster (redis-cli --cluster check).`,
    );
  }
}

/**
 * BullMQ needs reads, writes and Lua scripts on the keys under the prefix; the ACME nonces
 * (nonce-store.ts) need GETDEL there too (Redis 6.2 or later).
 */
async function checkKeyAccess(client: RedisClient, prefix: string, where: string): Promise<void> {
  const key = `${prefix}:startup-check`;
  try {
    await client.set(key, String(process.pid), "PX", 10_000);
    await client.eval("return redis.call('GET', KEYS[1])", 1, key);
    await client.getdel(key);
  } catch (error) {
    throw new DependencyUnreachableError(
      `certq: Redis at ${where} does not let this user read, write (GETDEL included) and run scripts on keys under ${prefix} (CERTQ_QUEUE_PREFIX): ${reason(error)}. Grant the ACL user ~${prefix}* and +@all -@dangerous (or the like).`,
    );
  }
}
