import "reflect-metadata";
import { exitOnStartupError, startRuntime, startWorker } from "@certq/core";

import { startApiServer } from "./server";

// `npm start`: the API and one worker in one process, for a laptop or a small install.
const runtime = await startRuntime("certq").catch(exitOnStartupError);
const worker = await startWorker(runtime).catch(exitOnStartupError);
// One process, one /metrics: the API's and the worker's metrics together.
const server = await startApiServer(runtime, {
  metricsRegistries: [worker.metrics.registry],
}).catch(exitOnStartupError);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    runtime.log.info({ signal }, "shutting down");
    await server.close();
    await worker.close();
    await runtime.close();
    process.exit(0);
  });
}
