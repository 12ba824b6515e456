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
