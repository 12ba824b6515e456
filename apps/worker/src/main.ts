import "reflect-metadata";
import { exitOnStartupError, startRuntime } from "@certq/core";
import { startWorker } from "./start-worker";

const runtime = await startRuntime("certq-worker").catch(exitOnStartupError);
const worker = await startWorker(runtime).catch(exitOnStartupError);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    runtime.log.info({ signal }, "stopping: finishing running jobs");
    await worker.close();
    await runtime.close();
    process.exit(0);
  });
}
