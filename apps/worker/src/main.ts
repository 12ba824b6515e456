import "reflect-metadata";
import { exitOnStartupError, startRuntime } from "@certq/core";
import { serveMetrics } from "./metrics-server";
import { startWorker } from "./start-worker";

const runtime = await startRuntime("certq-worker").catch(exitOnStartupError);
const worker = await startWorker(runtime).catch(exitOnStartupError);
const metricsServer =
  runtime.config.workerMetricsPort > 0
    ? serveMetrics(worker.metrics.registry, runtime.config.workerMetricsPort)
    : undefined;

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    runtime.log.info({ signal }, "stopping: finishing running jobs");
    metricsServer?.close();
    await worker.close();
    await runtime.close();
    process.exit(0);
  });
}
