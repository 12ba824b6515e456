import "reflect-metadata";
import { registryMetrics, serveMetrics, startRuntime, startWorker } from "@certq/core";
import { exitOnStartupError, installCrashGuards, onShutdownSignal } from "@certq/process";

const runtime = await startRuntime("certq-worker").catch(exitOnStartupError);
installCrashGuards(runtime.log);
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

onShutdownSignal(runtime.log, "stopping: finishing running jobs", async () => {
  metricsServer?.close();
  await worker.close();
  await runtime.close();
});
