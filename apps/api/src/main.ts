import "reflect-metadata";
import { startRuntime } from "@certq/core";
import { exitOnStartupError, installCrashGuards, onShutdownSignal } from "@certq/process";
import { startApiServer } from "./server";

const runtime = await startRuntime("certq-api").catch(exitOnStartupError);
installCrashGuards(runtime.log);
const server = await startApiServer(runtime).catch(exitOnStartupError);

onShutdownSignal(runtime.log, "shutting down", async () => {
  await server.close();
  await runtime.close();
});
