import type { Logger } from "@certq/config";
import { hasConnectionFaultCode } from "@certq/core";

function isDriverConnectionFault(error: unknown): boolean {
  if (hasConnectionFaultCode(error)) return true;
  const e = error as { stack?: unknown } | null;
  // postgres.js 3.4 can throw from its write loop after pg_terminate_backend
  // (porsager/postgres#1208): that connection is gone, the pool opens another.
  return typeof e?.stack === "string" && e.stack.includes("postgres/src/connection.js");
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
