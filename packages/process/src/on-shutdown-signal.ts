import type { Logger } from "@certq/config";

/**
 * SIGTERM or SIGINT runs `stop` once (finish in-flight work, close connections), then the
 * process exits 0; a supervisor's second signal while stopping is ignored.
 */
export function onShutdownSignal(log: Logger, message: string, stop: () => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      log.info({ signal }, message);
      await stop();
      process.exit(0);
    });
  }
}
