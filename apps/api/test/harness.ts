import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger, type RedisConnectionConfig } from "@certq/config";
import {
  type createAcmeDeps,
  createAcmeResolver,
  createAcmeValidationWorker,
  createChallengeValidators,
  createIssuanceWorker,
  createOutboundClient,
  createOutboundPolicy,
  createRedis,
  createServiceContext,
  createWebhookQueue,
  createWebhookWorker,
  createWorkerMetrics,
  enqueueWebhook,
  ensureAdminToken,
  type HsmToken,
  type IssuanceClient,
  type IssuanceQueue,
  type IssuanceWorker,
  type LookupAll,
  type MaintenanceQueue,
  type ServiceContext,
  startMaintenance,
  type WebhookQueue,
} from "@certq/core";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { createKeyRing, type KeyRing } from "@certq/pki";
import { type ApiWiring, createApiWiring } from "../src/api-wiring";
import type { RequestListener } from "../src/request-listener";

export const TEST_REDIS_URL = "redis://127.0.0.1:6379";
export const TEST_REDIS: RedisConnectionConfig = { topology: "single", url: TEST_REDIS_URL };

/** Removes what a test's own certq process left in the shared Redis under its queue prefix. */
export async function deleteTestRedisKeys(prefix: string): Promise<void> {
  const redis = createRedis(TEST_REDIS, "worker");
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** A loopback HTTP server of a test. */
export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a node request listener on a free loopback port. */
export async function serveListener(listener: RequestListener): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** An API process's app, and its real server on demand, as the harness and its replicas have. */
export interface ApiTarget {
  app: ApiWiring["app"];
  /**
   * Serves it over a real socket with the production request listener (OCSP's node
   * handler, then the app), as server.ts does; closed by the harness's close().
   */
  serve(): Promise<Served>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as-is, without JSON encoding. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Harness extends ApiTarget {
  db: TestDatabase;
  ctx: ServiceContext;
  queue: IssuanceQueue;
  maintenance: MaintenanceQueue;
  issuance: IssuanceClient;
  adminToken: string;
  /** Every log line written so far, as raw JSON text. */
  logs: string[];
  request<T = unknown>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>>;
  /** OCSP's node listener alone: answers a request, or returns false and leaves it. */
  ocspListener: ApiWiring["ocspListener"];
  /** Starts the maintenance worker (reconciler, CRL builds); closed by close(). */
  startMaintenance(): Promise<void>;
  /** Starts webhook delivery (first retry after `backoffMs`); closed by close(). */
  startWebhooks(backoffMs: number): Promise<ReturnType<typeof createWebhookWorker>>;
  /** The ACME server's wiring (nonces, validation queue). */
  acme: ReturnType<typeof createAcmeDeps>;
  /** Starts ACME challenge validation against these ports and DNS server; closed by close(). */
  startAcmeValidation(options: {
    http01Port: number;
    tlsAlpn01Port: number;
    dnsResolver?: string;
  }): Promise<void>;
  /** Starts a worker on this harness's queue; closed by close(). */
  startWorker(concurrency?: number): Promise<IssuanceWorker>;
  /** Another API process on the same database and queues (as a second replica). */
  replica(): Promise<ApiTarget>;
  /** Creates a token with the given scopes and returns its value. */
  token(scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * One test file's world: its own database, its own queue prefix on the shared Redis, the
 * real app in-process, and workers on demand.
 */
export interface HarnessOptions {
  syncWaitMs?: number;
  attempts?: number;
  maxQueueDepth?: number;
  tokenRateLimit?: number;
  /** CERTQ_TOKEN_CACHE_MS; unset, no token cache (a query per request). */
  tokenCacheMs?: number;
  /** CERTQ_OUTBOUND_ALLOW; unset, none: webhooks to loopback receivers must allow them. */
  outboundAllow?: string[];
  /** Stands in for DNS in outbound requests (webhooks). */
  outboundLookup?: LookupAll;
  /** CERTQ_AUDIT_LOG_STREAM. */
  streamAudit?: boolean;
  /** The key ring; a fresh random key unless given. */
  kek?: KeyRing;
  /** A PKCS#11 token for HSM CAs (the caller opens and closes it). */
  hsm?: HsmToken;
  /** ACME validation attempts per challenge and the first retry's delay (default 3, 200 ms). */
  acmeValidationAttempts?: number;
  acmeValidationBackoffMs?: number;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const logs: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const kek = options.kek ?? createKeyRing(randomBytes(32));
  const ctx = createServiceContext({
    db: db.db,
    log,
    kek,
    publicUrl: "http://certq.test:8080",
    tokenCacheMs: options.tokenCacheMs ?? 0,
    outbound: createOutboundClient({
      policy: createOutboundPolicy({ allow: options.outboundAllow ?? [] }),
      lookup: options.outboundLookup,
    }),
    hsm: options.hsm,
    streamAudit: options.streamAudit ?? false,
  });
  const prefix = `{test-${randomUUID()}}`;
  const workerMetrics = createWorkerMetrics();
  const wiringOptions: Parameters<typeof createApiWiring>[0] = {
    ctx,
    log,
    redis: TEST_REDIS,
    prefix,
    jobAttempts: options.attempts ?? 3,
    maxQueueDepth: options.maxQueueDepth ?? 10_000,
    tokenRateLimit: options.tokenRateLimit ?? 0,
    syncWaitMs: options.syncWaitMs ?? 20_000,
    metricsRoute: true,
    metricsRegistries: [workerMetrics.registry],
    acmeValidationAttempts: options.acmeValidationAttempts ?? 3,
    acmeValidationBackoffMs: options.acmeValidationBackoffMs ?? 200,
  };
  const wiring = await createApiWiring(wiringOptions);
  const { app, queue, maintenance, issuance, acme } = wiring;
  const adminToken = `certq_admin_${randomBytes(16).toString("hex")}`;
  await ensureAdminToken({ ctx, value: adminToken });
  const workers: IssuanceWorker[] = [];
  const closers: (() => Promise<void>)[] = [];
  let workerCount = 0;
  let webhookQueue: WebhookQueue | undefined;

  const target = (of: ApiWiring): ApiTarget => ({
    app: of.app,
    async serve() {
      const served = await serveListener(of.requestListener());
      closers.unshift(() => served.close());
      return served;
    },
  });

  const harness: Harness = {
    ...target(wiring),
    ocspListener: wiring.ocspListener,
    db,
    ctx,
    queue,
    maintenance,
    issuance,
    adminToken,
    logs,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? adminToken : opts.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed as never, text };
    },
    acme,
    async startAcmeValidation(validation) {
      const connection = createRedis(TEST_REDIS, "worker");
      const validators = createChallengeValidators({
        policy: ctx.outbound.policy,
        resolver: createAcmeResolver(validation.dnsResolver),
        http01Port: validation.http01Port,
        tlsAlpn01Port: validation.tlsAlpn01Port,
      });
      const worker = createAcmeValidationWorker({ ctx, connection, prefix, validators });
      await worker.waitUntilReady();
      closers.push(async () => {
        await worker.close();
        await validators.close();
        connection.disconnect();
      });
    },
    async startWebhooks(backoffMs) {
      const connection = createRedis(TEST_REDIS, "worker");
      webhookQueue = createWebhookQueue({ connection, prefix, backoffMs });
      const worker = createWebhookWorker({ ctx, connection, prefix });
      await worker.waitUntilReady();
      closers.push(async () => {
        await worker.close();
        await webhookQueue?.obliterate({ force: true }).catch(() => {});
        await webhookQueue?.close();
        connection.disconnect();
      });
      return worker;
    },
    async startMaintenance() {
      const connection = createRedis(TEST_REDIS, "worker");
      const running = await startMaintenance({
        ctx,
        connection,
        prefix,
        issuanceQueue: queue,
        reconcileIntervalMs: 60_000,
        pendingMaxAgeMs: 3_600_000,
      });
      closers.push(async () => {
        await running.close();
        connection.disconnect();
      });
    },
    async startWorker(concurrency = 4) {
      const connection = createRedis(TEST_REDIS, "worker");
      const worker = createIssuanceWorker({
        ctx,
        connection,
        prefix,
        concurrency,
        name: `test-worker-${++workerCount}`,
        metrics: workerMetrics,
        notify: async (requestId: string) => {
          if (webhookQueue) await enqueueWebhook(webhookQueue, requestId);
        },
      });
      worker.on("error", () => {});
      worker.on("closed", () => connection.disconnect());
      await worker.waitUntilReady();
      workers.push(worker);
      return worker;
    },
    async replica() {
      const replica = await createApiWiring(wiringOptions);
      closers.push(() => replica.close());
      return target(replica);
    },
    async token(scopes) {
      const res = await harness.request<{ value: string }>("POST", "/api/v1/tokens", {
        body: { name: `test ${scopes.join(" ")}`, scopes },
      });
      if (res.status !== 201) throw new Error(`token create failed: ${res.text}`);
      return res.body.value;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const close of closers) await close();
      for (const q of [queue, maintenance, acme.validationQueue]) {
        await q.obliterate({ force: true }).catch(() => {});
      }
      await wiring.close();
      await ctx.outbound.close();
      await db.drop();
    },
  };
  return harness;
}
