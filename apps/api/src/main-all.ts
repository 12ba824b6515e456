import "reflect-metadata";
import { startRuntime, startWorker } from "@certq/core";
import { exitOnStartupError, installCrashGuards, onShutdownSignal } from "@certq/process";
import { startApiServer } from "./server";

// `npm start`: the API and one worker in one process, for a laptop or a small install.
const runtime = await startRuntime("certq").catch(exitOnStartupError);
installCrashGuards(runtime.log);
const worker = await startWorker(runtime).catch(exitOnStartupError);
// One process, one /metrics: the API's and the worker's metrics together.
const server = await startApiServer(runtime, {
  metricsRegistries: [worker.metrics.registry],
}).catch(exitOnStartupError);

onShutdownSignal(runtime.log, "shutting down", async () => {
  await server.close();
  await worker.close();
  await runtime.close();
});
