import "reflect-metadata";
import { exitOnStartupError, startRuntime } from "@certq/core";
import { startApiServer } from "./server";

const runtime = await startRuntime("certq-api").catch(exitOnStartupError);
const server = await startApiServer(runtime).catch(exitOnStartupError);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    runtime.log.info({ signal }, "shutting down");
    await server.close();
    await runtime.close();
    process.exit(0);
  });
}
