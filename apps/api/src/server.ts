import {
  createAdmission,
  createIssuanceClient,
  createIssuanceQueue,
  createMaintenanceQueue,
  createRedis,
  enqueueCrlRebuild,
  type Runtime,
} from "@certq/core";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import type { Registry } from "prom-client";
import { createApp } from "./app";
import { createApiMetrics } from "./metrics";

export interface ApiServer {
  port: number;
  close(): Promise<void>;
}

/** Serves the API over HTTP until close(): stops accepting, lets in-flight requests finish. */
export async function startApiServer(
  runtime: Runtime,
  options: { metricsRegistries?: Registry[] } = {},
): Promise<ApiServer> {
  const { config, log } = runtime;
  const redis = createRedis(config.redis, "producer");
  const eventsRedis = createRedis(config.redis, "worker");
  for (const connection of [redis, eventsRedis]) {
    connection.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
  }
  const queue = createIssuanceQueue({
    connection: redis,
    prefix: config.queuePrefix,
    attempts: config.jobAttempts,
  });
  queue.on("error", (error) => log.warn({ err: error.message }, "queue error"));
  const issuance = await createIssuanceClient({
    queue,
    db: runtime.ctx.db,
    admit: createAdmission({
      queue,
      redis,
      prefix: config.queuePrefix,
      maxQueueDepth: config.maxQueueDepth,
      defaultTokenRate: config.tokenRateLimit,
    }),
    eventsConnection: eventsRedis,
    prefix: config.queuePrefix,
  });
  const maintenance = createMaintenanceQueue({ connection: redis, prefix: config.queuePrefix });
  maintenance.on("error", (error) => log.warn({ err: error.message }, "maintenance queue error"));
  const app = createApp({
    metrics: createApiMetrics({ queue, include: options.metricsRegistries }),
    dashboardQueues: [queue, maintenance],
    ctx: runtime.ctx,
    issuance,
    scheduleCrlRebuild: (caId) => enqueueCrlRebuild(maintenance, caId),
    syncWaitMs: config.syncWaitMs,
    readiness: {
      postgres: () => runtime.ctx.db.execute(sql`select 1`),
      redis: () => redis.ping(),
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  log.info({ port }, "certq API listening");
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await issuance.close();
      await queue.close();
      await maintenance.close();
      redis.disconnect();
      eventsRedis.disconnect();
    },
  };
}
