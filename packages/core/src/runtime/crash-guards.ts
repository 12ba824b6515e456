import type { Logger } from "@certq/config";

// Connection-level failures of the database or Redis drivers: the pools reconnect.
const CONNECTION_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
]);

function isDriverConnectionFault(error: unknown): boolean {
  const e = error as { code?: unknown; stack?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === "string" && CONNECTION_CODES.has(e.code)) return true;
  // postgres.js 3.4 can throw from its write loop after pg_terminate_backend
  // (porsager/postgres#1208): that connection is gone, the pool opens another.
  return typeof e.stack === "string" && e.stack.includes("postgres/src/connection.js");
}

/**
 * A database connection killed under a query can surface as an unhandled rejection from
 * the driver, which Node turns into a crash. Those are logged and survived; anything else
 * is a real bug: logged, then the process exits 1 for its supervisor to restart it.
 */
export function installCrashGuards(log: Logger): void {
  const handle = (kind: string) => (error: unknown) => {
    if (isDriverConnectionFault(error)) {
      log.warn(
        { err: (error as Error).message, kind },
        "database connection lost under a query; continuing",
      );
      return;
    }
    log.fatal({ err: error, kind }, "unexpected error; exiting");
    process.exit(1);
  };
  process.on("unhandledRejection", handle("unhandledRejection"));
  process.on("uncaughtException", handle("uncaughtException"));
}
