import { createAcmeResolver } from "../acme/acme-resolver";
import { createChallengeValidators } from "../acme/challenge-validators";
import { createKeyPool } from "../issuance/key-pool";
import { createIssuanceQueue } from "../queue/issuance-queue";
import { createWebhookQueue, enqueueWebhook } from "../queue/webhook-queue";
import { createRedis } from "../runtime/redis";
import type { Runtime } from "../runtime/start-runtime";
import { createAcmeValidationWorker } from "./acme-validation-worker";
import { createIssuanceWorker } from "./issuance-worker";
import { startMaintenance } from "./maintenance";
import { warnUnlessNoEviction } from "./redis-policy";
import { createWebhookWorker } from "./webhook-worker";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics";

export interface RunningWorker {
  /**
   * Stops taking jobs and waits for the running ones, at most the shutdown grace period;
   * jobs still running then are left to expire their locks and return to the queue.
   */
  close(): Promise<void>;
}

export async function startWorker(
  runtime: Runtime,
  metrics: WorkerMetrics = createWorkerMetrics(),
): Promise<RunningWorker & { metrics: WorkerMetrics }> {
  const { config, log, ctx } = runtime;
  const connection = createRedis(config.redis, "worker");
  connection.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
  await warnUnlessNoEviction(connection, log);

  const webhookQueue = createWebhookQueue({ connection, prefix: config.queuePrefix });
  const webhooks = createWebhookWorker({ ctx, connection, prefix: config.queuePrefix });
  const keyPool = createKeyPool(config.keyPool);
  const worker = createIssuanceWorker({
    ctx,
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    lockDurationMs: config.lockDurationMs,
    metrics,
    keySource: keyPool.take,
    notify: (requestId) => enqueueWebhook(webhookQueue, requestId),
  });
  worker.on("error", (error) => log.error({ err: error.message }, "worker error"));
  await worker.waitUntilReady();

  const validators = createChallengeValidators({
    policy: ctx.outbound.policy,
    resolver: createAcmeResolver(config.acmeDnsResolver),
    http01Port: config.acmeHttp01Port,
    tlsAlpn01Port: config.acmeTlsAlpn01Port,
  });
  const acmeValidation = createAcmeValidationWorker({
    ctx,
    connection,
    prefix: config.queuePrefix,
    validators,
  });

  const issuanceQueue = createIssuanceQueue({
    connection,
    prefix: config.queuePrefix,
    attempts: config.jobAttempts,
  });
  const maintenance = await startMaintenance({
    ctx,
    connection,
    prefix: config.queuePrefix,
    issuanceQueue,
    reconcileIntervalMs: config.reconcileIntervalMs,
    pendingMaxAgeMs: config.pendingMaxAgeMs,
  });
  log.info(
    { concurrency: config.workerConcurrency, prefix: config.queuePrefix },
    "certq worker started",
  );

  return {
    metrics,
    async close() {
      const graceful = worker.close();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), config.shutdownGraceMs);
      });
      if ((await Promise.race([graceful, grace])) === "timeout") {
        log.warn(
          { graceMs: config.shutdownGraceMs },
          "jobs still running after the grace period; leaving them to other workers",
        );
        await worker.close(true);
      }
      clearTimeout(timer);
      keyPool.stop();
      await maintenance.close();
      await webhooks.close();
      await acmeValidation.close();
      await validators.close();
      await webhookQueue.close();
      await issuanceQueue.close();
      connection.disconnect();
    },
  };
}
