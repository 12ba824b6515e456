// Connection-level failures of postgres.js, ioredis and PostgreSQL itself: the dependency is
// down or restarting, not our bug, and the pools reconnect.
const CONNECTION_FAULT_CODES: ReadonlySet<string> = new Set([
  "57P01", // admin_shutdown (pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
]);

/** Whether the error's own `code` names a connection fault (causes are the caller's business). */
export function hasConnectionFaultCode(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONNECTION_FAULT_CODES.has(code);
}

/**
 * ioredis's messages for a Redis that is down, restarting or failing over (single node,
 * Sentinel or Cluster): no master right now, a replica answering, slots being moved.
 */
const REDIS_UNAVAILABLE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|max retries per request|Command timed out|CLUSTERDOWN|READONLY|MASTERDOWN|LOADING|TRYAGAIN|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available|Too many Cluster redirections|All sentinels are unreachable/i;

/** Whether the error's own message says Redis (any topology) is unavailable for now. */
export function hasRedisUnavailableMessage(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown } | null;
  if (e?.name === "ClusterAllFailedError") return true;
  return typeof e?.message === "string" && REDIS_UNAVAILABLE.test(e.message);
}
