import { describeRedis, type Logger, type RedisConnectionConfig } from "@certq/config";
import {
  type AnnounceRevocation,
  createAcmeDeps,
  createAdmission,
  createIssuanceClient,
  createIssuanceQueue,
  createMaintenanceQueue,
  createOcspCache,
  createOcspInvalidation,
  createPendingDepth,
  createRedis,
  enqueueCrlRebuild,
  type ServiceContext,
  untilRedisReady,
} from "@certq/core";
import { sql } from "drizzle-orm";
import type { Registry } from "prom-client";
import { createApp } from "./app";
import { createApiMetrics } from "./metrics";
import { createRequestListener } from "./request-listener";
import { createOcspListener } from "./routes/revocation/ocsp-listener";
import { createOcspResponder } from "./routes/revocation/ocsp-responder";

/** What the API's wiring reads; production takes it from the config, tests from options. */
export interface ApiWiringOptions {
  ctx: ServiceContext;
  log: Logger;
  redis: RedisConnectionConfig;
  prefix: string;
  jobAttempts: number;
  maxQueueDepth: number;
  tokenRateLimit: number;
  syncWaitMs: number;
  /** false when /metrics has a listener of its own (CERTQ_METRICS_PORT). */
  metricsRoute: boolean;
  /** Other registries served at /metrics (the in-process worker's, with `npm start`). */
  metricsRegistries?: Registry[];
  acmeValidationAttempts?: number;
  acmeValidationBackoffMs?: number;
}

export type ApiWiring = Awaited<ReturnType<typeof createApiWiring>>;

/**
 * The API's queues, Redis clients, issuance client, ACME wiring and the app, built once:
 * the server (server.ts) and the integration tests' harness both use this, so tests run
 * the production wiring. close() releases what it opened (not the context's pool).
 */
export async function createApiWiring(options: ApiWiringOptions) {
  const { ctx, log, prefix } = options;
  const redis = createRedis(options.redis, "producer");
  redis.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
  await untilRedisReady(redis, describeRedis(options.redis)).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  });
  const queue = createIssuanceQueue({ connection: redis, prefix, attempts: options.jobAttempts });
  queue.on("error", (error) => log.warn({ err: error.message }, "queue error"));
  const issuance = await createIssuanceClient({
    queue,
    db: ctx.db,
    log,
    admit: createAdmission({
      depth: createPendingDepth(ctx.db, options.maxQueueDepth),
      redis,
      prefix,
      maxQueueDepth: options.maxQueueDepth,
      defaultTokenRate: options.tokenRateLimit,
    }),
    openEventsConnection: () => {
      const events = createRedis(options.redis, "worker");
      events.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
      return events;
    },
    prefix,
  });
  const maintenance = createMaintenanceQueue({ connection: redis, prefix });
  maintenance.on("error", (error) => log.warn({ err: error.message }, "maintenance queue error"));
  const metrics = createApiMetrics({ queue, include: options.metricsRegistries });
  const ocspCache = createOcspCache();
  const ocspSubscriber = createRedis(options.redis, "worker");
  ocspSubscriber.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
  const ocsp = await createOcspInvalidation({
    cache: ocspCache,
    subscriber: ocspSubscriber,
    publisher: redis,
    prefix,
    log,
  });
  // After a revocation: every process's pre-signed OCSP answers for the certificate go, its
  // CA's CRL is rebuilt.
  const announceRevocation: AnnounceRevocation = async ({ caId, serialNumber }) => {
    await ocsp
      .invalidateCertificate(caId, serialNumber)
      .catch((error: unknown) =>
        log.warn({ caId, err: (error as Error).message }, "OCSP invalidation not published"),
      );
    return enqueueCrlRebuild(maintenance, caId);
  };
  const ocspResponder = createOcspResponder({ ctx, cache: ocspCache });
  const acme = createAcmeDeps({
    redis,
    prefix,
    issuance,
    announceRevocation,
    validationAttempts: options.acmeValidationAttempts,
    validationBackoffMs: options.acmeValidationBackoffMs,
  });
  const app = createApp({
    acme,
    metrics,
    metricsRoute: options.metricsRoute,
    dashboardQueues: [queue, maintenance, acme.validationQueue],
    ctx,
    issuance,
    announceRevocation,
    syncWaitMs: options.syncWaitMs,
    ocsp: ocspResponder,
    readiness: {
      postgres: () => ctx.db.execute(sql`select 1`),
      redis: () => redis.ping(),
    },
  });
  const ocspListener = createOcspListener({ respond: ocspResponder, metrics });
  return {
    app,
    /**
     * The node request listener the HTTP server runs: OCSP answered ahead of the app, the
     * rest by it. Built on demand: the hono adapter replaces the global Request and Response.
     */
    requestListener: (options: { hostname?: string } = {}) =>
      createRequestListener({ app, ocsp: ocspListener, hostname: options.hostname }),
    /** OCSP's listener alone (false for a request it leaves to the app). */
    ocspListener,
    metrics,
    queue,
    maintenance,
    issuance,
    acme,
    async close() {
      await issuance.close();
      await queue.close();
      await maintenance.close();
      await acme.close();
      redis.disconnect();
      ocspSubscriber.disconnect();
    },
  };
}
