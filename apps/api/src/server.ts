import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { issueServerCertificate, type Runtime, serveMetrics } from "@certq/core";
import type { Registry } from "prom-client";
import { createApiWiring } from "./api-wiring";
import { MAX_HEADER_BYTES } from "./middleware/json-body";

/** setTimeout's longest delay (about 24.8 days); a longer wait re-arms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
  // With a port of its own, /metrics is served there only (bound to CERTQ_METRICS_HOST).
  const wiring = await createApiWiring({
    ctx: runtime.ctx,
    log,
    redis: config.redis,
    prefix: config.queuePrefix,
    jobAttempts: config.jobAttempts,
    maxQueueDepth: config.maxQueueDepth,
    tokenRateLimit: config.tokenRateLimit,
    syncWaitMs: config.syncWaitMs,
    metricsRoute: config.metricsPort === 0,
    metricsRegistries: options.metricsRegistries,
  });
  const metricsServer =
    config.metricsPort > 0
      ? await serveMetrics({
          render: wiring.metrics.render,
          port: config.metricsPort,
          host: config.metricsHost,
        })
      : undefined;
  // HTTPS of its own (ACME clients insist on it) or plain HTTP behind a TLS-terminating proxy.
  const ownTls = config.tlsProfile;
  const issueOwn = ownTls
    ? () => issueServerCertificate({ ctx: runtime.ctx, ...ownTls })
    : undefined;
  let own = issueOwn ? await issueOwn() : undefined;
  const tls = own
    ? { cert: own.certificatePem, key: own.privateKeyPem }
    : config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const listener = wiring.requestListener({ hostname: config.host });
  // Node's default too, set here so the documented limit is the one in force.
  const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES };
  const server = tls
    ? createHttpsServer({ ...serverOptions, ...tls }, listener)
    : createHttpServer(serverOptions, listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const metricsAddress = metricsServer?.address();
  const metricsPort =
    typeof metricsAddress === "object" && metricsAddress ? metricsAddress.port : undefined;
  log.info({ port, metricsPort, tls: tls !== undefined }, "certq API listening");
  // Our own certificate is renewed at two thirds of its life, without a restart.
  let renewal: NodeJS.Timeout | undefined;
  const scheduleRenewal = () => {
    if (!own) return;
    const { notBefore, notAfter } = own;
    const due = notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3;
    const wait = due - Date.now();
    // Past setTimeout's range it wakes early and waits again; a failed renewal retries in a minute.
    renewal = setTimeout(
      () => (wait > MAX_TIMEOUT_MS ? scheduleRenewal() : renewOwn()),
      Math.min(Math.max(wait, 60_000), MAX_TIMEOUT_MS),
    );
    renewal.unref();
  };
  const renewOwn = async () => {
    try {
      own = await issueOwn?.();
      if (own) {
        (server as HttpsServer).setSecureContext({
          cert: own.certificatePem,
          key: own.privateKeyPem,
        });
      }
    } catch (error) {
      log.error({ err: (error as Error).message }, "renewing the API's TLS certificate failed");
    }
    scheduleRenewal();
  };
  scheduleRenewal();
  return {
    port,
    metricsPort,
    async close() {
      clearTimeout(renewal);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await wiring.close();
    },
  };
}
