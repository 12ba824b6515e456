import "reflect-metadata";
import {
  exitOnStartupError,
  registryMetrics,
  serveMetrics,
  startRuntime,
  startWorker,
} from "@certq/core";

const runtime = await startRuntime("certq-worker").catch(exitOnStartupError);
const worker = await startWorker(runtime).catch(exitOnStartupError);
const { workerMetricsPort, metricsHost } = runtime.config;
const metricsServer =
  workerMetricsPort > 0
    ? await serveMetrics({
        render: registryMetrics(worker.metrics.registry),
        port: workerMetricsPort,
        host: metricsHost,
      }).catch(exitOnStartupError)
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
