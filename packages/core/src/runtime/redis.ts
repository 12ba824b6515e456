import { readFileSync } from "node:fs";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { RedisConnectionConfig, RedisTlsConfig } from "@certq/config";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** A connection to any topology: one node or a Sentinel-managed master (Redis), or a Cluster. */
export type RedisClient = Redis | Cluster;

export type RedisRole = "worker" | "producer";

const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

/**
 * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest null);
 * producers (the API) fail fast so a Redis outage becomes a 503, not a hanging request.
 */
function roleOptions(role: RedisRole): RedisOptions {
  return role === "worker"
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000 };
}

/** The files are read when a connection is made, so a renewed certificate is picked up. */
export function redisTlsOptions(tls: RedisTlsConfig): TlsOptions {
  return {
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
  };
}

/**
 * After a failover the old master may come back as a replica and answer READONLY on a
 * connection we still hold: reconnect (through the sentinels) and resend the command.
 */
const reconnectOnReadonly = (error: Error) => (error.message.startsWith("READONLY") ? 2 : false);

function credentials(config: RedisConnectionConfig): RedisOptions {
  return {
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? { tls: redisTlsOptions(config.tls) } : {}),
  };
}

/**
 * One ioredis connection for `role` on the configured topology, with ioredis's own
 * Sentinel and Cluster support (no keyPrefix: BullMQ forbids it; the queue prefix is the
 * `{certq}` hash tag instead).
 */
export function createRedis(
  config: RedisConnectionConfig,
  role: RedisRole,
  extra: RedisOptions = {},
): RedisClient {
  const base = roleOptions(role);
  switch (config.topology) {
    case "single":
      return new Redis(config.url, { ...base, retryStrategy, ...credentials(config), ...extra });
    case "sentinel":
      return new Redis({
        ...base,
        retryStrategy,
        ...credentials(config),
        sentinels: config.sentinels,
        name: config.masterName,
        role: "master",
        ...(config.sentinelPassword !== undefined
          ? { sentinelPassword: config.sentinelPassword }
          : {}),
        ...(config.tls
          ? { enableTLSForSentinelMode: true, sentinelTLS: redisTlsOptions(config.tls) }
          : {}),
        sentinelRetryStrategy: retryStrategy,
        // No failoverDetector: in ioredis 5.11 its +switch-master handler, firing while the
        // client is reconnecting, ends the client for good. Reconnecting through the sentinels
        // suffices: a sentinel's failover disconnects the old master's clients (CLIENT KILL).
        reconnectOnError: reconnectOnReadonly,
        ...extra,
      });
    case "cluster":
      return new Cluster(config.nodes, clusterOptions(config, role, extra));
  }
}

/**
 * Resolves once `client` is ready, or throws after `timeoutMs` naming `where`. BullMQ checks a
 * connection once, when a queue is built (INFO, for the server's version), and keeps the
 * answer for the queue's life: on a producer (no offline queue) that is not ready yet, and on
 * a Cluster, which BullMQ counts as ready as soon as a socket connects, that check fails and
 * the queue rejects every call until the process restarts. So queues are built only after this.
 */
export async function untilRedisReady(
  client: RedisClient,
  where: string,
  timeoutMs = 10_000,
): Promise<void> {
  if (client.status === "ready") return;
  let onReady: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once("ready", onReady);
      timer = setTimeout(
        () => reject(new Error(`Redis at ${where} was not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  } finally {
    clearTimeout(timer);
    if (onReady) client.off("ready", onReady);
  }
}

function clusterOptions(
  config: Extract<RedisConnectionConfig, { topology: "cluster" }>,
  role: RedisRole,
  extra: RedisOptions,
): ClusterOptions {
  const { enableOfflineQueue, enableReadyCheck, ...nodeBase } = roleOptions(role);
  const { lazyConnect, ...nodeExtra } = extra;
  return {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    // BullMQ's cluster guidance: ready check on (CLUSTER INFO says ok), reads from masters.
    enableReadyCheck: true,
    scaleReads: "master",
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    clusterRetryStrategy: retryStrategy,
    // A failover answers with connection errors, then CLUSTERDOWN, then MOVED: keep retrying
    // on the slot map's refresh a little longer than ioredis's 100 ms default.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    slotsRefreshTimeout: 2_000,
    // TLS certificates name hosts, not the IPs CLUSTER SLOTS returns.
    ...(config.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    redisOptions: {
      ...nodeBase,
      ...(enableReadyCheck !== undefined ? { enableReadyCheck } : {}),
      retryStrategy,
      ...credentials(config),
      reconnectOnError: reconnectOnReadonly,
      ...nodeExtra,
    },
  };
}
