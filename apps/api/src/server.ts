import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { ConfigError } from "@certq/config";
import {
  createAcmeDeps,
  createAdmission,
  createIssuanceClient,
  createIssuanceQueue,
  createMaintenanceQueue,
  createRedis,
  enqueueCrlRebuild,
  type Runtime,
  serveMetrics,
} from "@certq/core";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import type { Registry } from "prom-client";
import { createApp } from "./app";
import { createApiMetrics } from "./metrics";
import { MAX_HEADER_BYTES } from "./middleware/json-body";

export interface ApiServer {
  port: number;
  /** The port of the metrics listener (CERTQ_METRICS_PORT), if one was asked for. */
  metricsPort?: number;
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
  const metrics = createApiMetrics({ queue, include: options.metricsRegistries });
  // With a port of its own, /metrics is served there only (bound to CERTQ_METRICS_HOST).
  const metricsServer =
    config.metricsPort > 0
      ? await serveMetrics({
          render: metrics.render,
          port: config.metricsPort,
          host: config.metricsHost,
        })
      : undefined;
  const scheduleCrlRebuild = (caId: string) => enqueueCrlRebuild(maintenance, caId);
  const acme = createAcmeDeps({ redis, prefix: config.queuePrefix, issuance, scheduleCrlRebuild });
  const app = createApp({
    acme,
    metrics,
    metricsRoute: metricsServer === undefined,
    dashboardQueues: [queue, maintenance, acme.validationQueue],
    ctx: runtime.ctx,
    issuance,
    scheduleCrlRebuild,
    syncWaitMs: config.syncWaitMs,
    readiness: {
      postgres: () => runtime.ctx.db.execute(sql`select 1`),
      redis: () => redis.ping(),
    },
  });
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) {
    throw new ConfigError(["CERTQ_TLS_CERT and CERTQ_TLS_KEY: set both, or neither"]);
  }
  // HTTPS of its own (ACME clients insist on it) or plain HTTP behind a TLS-terminating proxy.
  const tls =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        ...(tls ? { createServer: createHttpsServer } : {}),
        // Node's default too, set here so the documented limit is the one in force.
        serverOptions: { maxHeaderSize: MAX_HEADER_BYTES, ...tls },
      },
      () => resolve(s),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const metricsAddress = metricsServer?.address();
  const metricsPort =
    typeof metricsAddress === "object" && metricsAddress ? metricsAddress.port : undefined;
  log.info({ port, metricsPort, tls: tls !== undefined }, "certq API listening");
  return {
    port,
    metricsPort,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await issuance.close();
      await queue.close();
      await maintenance.close();
      await acme.close();
      redis.disconnect();
      eventsRedis.disconnect();
    },
  };
}
