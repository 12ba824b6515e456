import { createRedis, type Runtime } from "@certq/core";
import { createIssuanceWorker } from "./issuance-worker";

export interface RunningWorker {
  /** Stops taking jobs, waits for the running ones, closes connections. */
  close(): Promise<void>;
}

export async function startWorker(runtime: Runtime): Promise<RunningWorker> {
  const connection = createRedis(runtime.config.redisUrl, "worker");
  connection.on("error", (error) =>
    runtime.log.warn({ err: error.message }, "redis connection error"),
  );
  const worker = createIssuanceWorker({
    ctx: runtime.ctx,
    connection,
    prefix: runtime.config.queuePrefix,
    concurrency: runtime.config.workerConcurrency,
  });
  worker.on("error", (error) => runtime.log.error({ err: error.message }, "worker error"));
  await worker.waitUntilReady();
  runtime.log.info(
    { concurrency: runtime.config.workerConcurrency, prefix: runtime.config.queuePrefix },
    "certq worker started",
  );
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
