import { z } from "zod";
import {
  checkRedisEnv,
  isNodeList,
  type RedisConnectionConfig,
  toRedisConnection,
} from "./redis-connection";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nodeList = z.string().refine(isNodeList, { message: "must be host:port[,host:port...]" });

/**
 * Every environment variable certq reads, with its default. The keys are the variable
 * names, so docker-compose.yml can be checked against this schema.
 */
export const configEnvSchema = z
  .object({
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .default("postgres://postgres@127.0.0.1:5432/certq"),
    /** Single-node Redis; unset with sentinels or cluster nodes (the default applies otherwise). */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    CERTQ_REDIS_SENTINELS: nodeList.optional(),
    CERTQ_REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
    CERTQ_REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    CERTQ_REDIS_CLUSTER_NODES: nodeList.optional(),
    CERTQ_REDIS_USERNAME: z.string().min(1).optional(),
    CERTQ_REDIS_PASSWORD: z.string().min(1).optional(),
    CERTQ_REDIS_TLS: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    CERTQ_REDIS_TLS_CA_FILE: z.string().min(1).optional(),
    CERTQ_REDIS_TLS_CERT_FILE: z.string().min(1).optional(),
    CERTQ_REDIS_TLS_KEY_FILE: z.string().min(1).optional(),
    CERTQ_REDIS_TLS_SERVERNAME: z.string().min(1).optional(),
    PORT: port.default(8080),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    /** base64 of 32 random bytes; without it a development key is kept under ./.certq/. */
    CERTQ_KEK: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, {
        message: "must be base64 of exactly 32 bytes (openssl rand -base64 32)",
      })
      .optional(),
    /** Earlier KEKs, comma-separated base64: they still open stored keys, never seal new ones. */
    CERTQ_KEK_PREVIOUS: z
      .string()
      .refine((v) => v.split(",").every((k) => Buffer.from(k.trim(), "base64").length === 32), {
        message: "must be base64 keys of exactly 32 bytes each, separated by commas",
      })
      .optional(),
    CERTQ_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    CERTQ_DATA_DIR: z.string().min(1).default(".certq"),
    CERTQ_QUEUE_PREFIX: z
      .string()
      .regex(/^\{[A-Za-z0-9_-]+\}$/, "must be a Redis hash tag such as {certq}")
      .default("{certq}"),
    CERTQ_WORKER_CONCURRENCY: positiveInt.max(256).default(32),
    CERTQ_JOB_ATTEMPTS: positiveInt.max(50).default(5),
    CERTQ_SYNC_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
    CERTQ_PUBLIC_URL: z.url().default("http://localhost:8080"),
    /** How often the reconciler re-enqueues pending requests whose job is missing. */
    CERTQ_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
    /** A request still pending after this long is failed by the reconciler. */
    CERTQ_PENDING_MAX_AGE_MS: z.coerce.number().int().min(1_000).default(3_600_000),
    /** BullMQ job lock; a job whose worker died is retried after about this long. */
    CERTQ_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    /** How long a stopping worker waits for its running jobs before leaving them to others. */
    CERTQ_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
    /** Submissions get 429 while more jobs than this wait in the queue. */
    CERTQ_MAX_QUEUE_DEPTH: positiveInt.default(10_000),
    /** Submissions per second one token may make, unless the token sets its own (0: no limit). */
    CERTQ_TOKEN_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
    /** How long an API process reuses a token lookup (0: a query per request); at most 1 s. */
    CERTQ_TOKEN_CACHE_MS: z.coerce.number().int().min(0).max(1_000).default(0),
    /** Each committed audit row is also written as one JSON log line (`audit: true`). */
    CERTQ_AUDIT_LOG_STREAM: z.enum(["true", "false"]).default("false"),
    /** A worker serves Prometheus metrics on this port (0: off; `npm start` serves them at /metrics). */
    CERTQ_WORKER_METRICS_PORT: port.default(0),
    /**
     * CIDRs that webhooks may reach although they are loopback, private, link-local or metadata
     * addresses, comma-separated (e.g. `127.0.0.1/32,10.1.0.0/16`); each is checked at start.
     */
    CERTQ_OUTBOUND_ALLOW: z.string().default(""),
    /** Serve /metrics on this port only, without a token (0: on the API's port, `metrics:read`). */
    CERTQ_METRICS_PORT: port.default(0),
    /** Where the metrics listeners (CERTQ_METRICS_PORT, CERTQ_WORKER_METRICS_PORT) bind. */
    CERTQ_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    /** Pre-generated keys each worker keeps ready, e.g. `RSA_2048=20,RSA_3072=4` ("" for none). */
    CERTQ_KEY_POOL: z
      .string()
      .regex(
        /^none$|^(RSA_2048|RSA_3072|RSA_4096|EC_prime256v1|EC_secp384r1|EC_secp521r1)=\d{1,4}(,(RSA_2048|RSA_3072|RSA_4096|EC_prime256v1|EC_secp384r1|EC_secp521r1)=\d{1,4})*$/,
        'must look like RSA_2048=20,RSA_3072=4, or be "none"',
      )
      .default("RSA_2048=20"),
    /** PEM files: with both, the API serves HTTPS itself (ACME clients need HTTPS). */
    CERTQ_TLS_CERT: z.string().min(1).optional(),
    CERTQ_TLS_KEY: z.string().min(1).optional(),
    /** A profile ID: the API serves HTTPS with a certificate it issues itself from that profile's CA. */
    CERTQ_TLS_PROFILE: z.uuid().optional(),
    /** The names of that certificate (DNS names or IPs, comma-separated); unset, CERTQ_PUBLIC_URL's host. */
    CERTQ_TLS_NAMES: z.string().min(1).optional(),
    /** The DNS server (`host:port`) ACME challenge validation asks; unset, the system's. */
    CERTQ_ACME_DNS_RESOLVER: z
      .string()
      .regex(
        /^(\[[0-9a-fA-F:]+\]|[^\s:]+)(:\d{1,5})?$/,
        "must be host or host:port, e.g. 127.0.0.1:53",
      )
      .optional(),
    /** The port ACME http-01 validation connects to (80, as RFC 8555 says; other ports for tests). */
    CERTQ_ACME_HTTP01_PORT: port.default(80),
    /** The port ACME tls-alpn-01 validation connects to (443, as RFC 8737 says). */
    CERTQ_ACME_TLSALPN01_PORT: port.default(443),
    /** The PKCS#11 module (.so) of the token that holds HSM CAs' keys; unset: no HSM. */
    CERTQ_PKCS11_MODULE: z.string().min(1).optional(),
    /** The token by its label (softhsm2-util --label), or by slot ID. */
    CERTQ_PKCS11_TOKEN_LABEL: z.string().min(1).max(32).optional(),
    CERTQ_PKCS11_SLOT: z.coerce.number().int().min(0).optional(),
    CERTQ_PKCS11_PIN: z.string().min(1).optional(),
  })
  .superRefine((env, issues) => {
    checkRedisEnv(env, issues);
    checkPkcs11Env(env, issues);
    checkTlsEnv(env, issues);
  });

/** One source of the API's TLS certificate: files (both of them), or a profile to issue from. */
function checkTlsEnv(
  env: { CERTQ_TLS_CERT?: string; CERTQ_TLS_KEY?: string; CERTQ_TLS_PROFILE?: string },
  issues: z.RefinementCtx,
): void {
  if ((env.CERTQ_TLS_CERT === undefined) !== (env.CERTQ_TLS_KEY === undefined)) {
    issues.addIssue({
      code: "custom",
      path: [env.CERTQ_TLS_CERT === undefined ? "CERTQ_TLS_CERT" : "CERTQ_TLS_KEY"],
      message: "set both CERTQ_TLS_CERT and CERTQ_TLS_KEY, or neither",
    });
  }
  if (env.CERTQ_TLS_PROFILE !== undefined && env.CERTQ_TLS_CERT !== undefined) {
    issues.addIssue({
      code: "custom",
      path: ["CERTQ_TLS_PROFILE"],
      message: "set CERTQ_TLS_PROFILE or CERTQ_TLS_CERT/CERTQ_TLS_KEY, not both",
    });
  }
}

/** An HSM needs its PIN and exactly one way to find the token. */
function checkPkcs11Env(
  env: {
    CERTQ_PKCS11_MODULE?: string;
    CERTQ_PKCS11_PIN?: string;
    CERTQ_PKCS11_TOKEN_LABEL?: string;
    CERTQ_PKCS11_SLOT?: number;
  },
  issues: z.RefinementCtx,
): void {
  if (env.CERTQ_PKCS11_MODULE === undefined) return;
  if (env.CERTQ_PKCS11_PIN === undefined) {
    issues.addIssue({
      code: "custom",
      path: ["CERTQ_PKCS11_PIN"],
      message: "is needed with CERTQ_PKCS11_MODULE (the token's user PIN)",
    });
  }
  if ((env.CERTQ_PKCS11_TOKEN_LABEL === undefined) === (env.CERTQ_PKCS11_SLOT === undefined)) {
    issues.addIssue({
      code: "custom",
      path: ["CERTQ_PKCS11_TOKEN_LABEL"],
      message:
        "set exactly one of CERTQ_PKCS11_TOKEN_LABEL and CERTQ_PKCS11_SLOT with CERTQ_PKCS11_MODULE",
    });
  }
}

export type ConfigEnv = z.infer<typeof configEnvSchema>;
export type ConfigEnvKey = keyof typeof configEnvSchema.shape;

export interface Config {
  databaseUrl: string;
  /** The Redis topology (single node, Sentinel or Cluster) and how to reach it. */
  redis: RedisConnectionConfig;
  port: number;
  host: string;
  logLevel: ConfigEnv["LOG_LEVEL"];
  kekBase64: string | undefined;
  /** CERTQ_KEK_PREVIOUS, one base64 key per entry. */
  kekPreviousBase64: string[];
  adminToken: string | undefined;
  dataDir: string;
  queuePrefix: string;
  workerConcurrency: number;
  jobAttempts: number;
  syncWaitMs: number;
  publicUrl: string;
  reconcileIntervalMs: number;
  pendingMaxAgeMs: number;
  lockDurationMs: number;
  shutdownGraceMs: number;
  maxQueueDepth: number;
  tokenRateLimit: number;
  tokenCacheMs: number;
  workerMetricsPort: number;
  outboundAllow: string[];
  metricsPort: number;
  metricsHost: string;
  auditLogStream: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Issue the API's own TLS certificate from this profile at start (and before it expires). */
  tlsProfile: { profileId: string; names: string[] } | undefined;
  acmeDnsResolver: string | undefined;
  acmeHttp01Port: number;
  acmeTlsAlpn01Port: number;
  /** Key algorithm name to pool size. */
  keyPool: Record<string, number>;
  /** The PKCS#11 token for HSM CAs; undefined without CERTQ_PKCS11_MODULE. */
  pkcs11: { modulePath: string; tokenLabel?: string; slot?: number; pin: string } | undefined;
}

export function toConfig(env: ConfigEnv): Config {
  return {
    databaseUrl: env.DATABASE_URL,
    redis: toRedisConnection(env),
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    kekBase64: env.CERTQ_KEK,
    kekPreviousBase64: env.CERTQ_KEK_PREVIOUS?.split(",").map((k) => k.trim()) ?? [],
    adminToken: env.CERTQ_ADMIN_TOKEN,
    dataDir: env.CERTQ_DATA_DIR,
    queuePrefix: env.CERTQ_QUEUE_PREFIX,
    workerConcurrency: env.CERTQ_WORKER_CONCURRENCY,
    jobAttempts: env.CERTQ_JOB_ATTEMPTS,
    syncWaitMs: env.CERTQ_SYNC_WAIT_MS,
    publicUrl: env.CERTQ_PUBLIC_URL.replace(/\/+$/, ""),
    reconcileIntervalMs: env.CERTQ_RECONCILE_INTERVAL_MS,
    pendingMaxAgeMs: env.CERTQ_PENDING_MAX_AGE_MS,
    lockDurationMs: env.CERTQ_LOCK_DURATION_MS,
    shutdownGraceMs: env.CERTQ_SHUTDOWN_GRACE_MS,
    maxQueueDepth: env.CERTQ_MAX_QUEUE_DEPTH,
    tokenRateLimit: env.CERTQ_TOKEN_RATE_LIMIT,
    tokenCacheMs: env.CERTQ_TOKEN_CACHE_MS,
    workerMetricsPort: env.CERTQ_WORKER_METRICS_PORT,
    outboundAllow: env.CERTQ_OUTBOUND_ALLOW.split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
    metricsPort: env.CERTQ_METRICS_PORT,
    metricsHost: env.CERTQ_METRICS_HOST,
    auditLogStream: env.CERTQ_AUDIT_LOG_STREAM === "true",
    tlsCert: env.CERTQ_TLS_CERT,
    tlsKey: env.CERTQ_TLS_KEY,
    tlsProfile: env.CERTQ_TLS_PROFILE
      ? {
          profileId: env.CERTQ_TLS_PROFILE,
          names: (
            env.CERTQ_TLS_NAMES ?? new URL(env.CERTQ_PUBLIC_URL).hostname.replace(/^\[|\]$/g, "")
          )
            .split(",")
            .map((name) => name.trim())
            .filter(Boolean),
        }
      : undefined,
    acmeDnsResolver: env.CERTQ_ACME_DNS_RESOLVER,
    acmeHttp01Port: env.CERTQ_ACME_HTTP01_PORT,
    acmeTlsAlpn01Port: env.CERTQ_ACME_TLSALPN01_PORT,
    keyPool: Object.fromEntries(
      // "none", not "": an empty variable means unset, which gives the default pool.
      (env.CERTQ_KEY_POOL === "none" ? [] : env.CERTQ_KEY_POOL.split(",")).map((entry) => {
        const [algorithm = "", size = "0"] = entry.split("=");
        return [algorithm, Number(size)];
      }),
    ),
    pkcs11:
      env.CERTQ_PKCS11_MODULE === undefined
        ? undefined
        : {
            modulePath: env.CERTQ_PKCS11_MODULE,
            tokenLabel: env.CERTQ_PKCS11_TOKEN_LABEL,
            slot: env.CERTQ_PKCS11_SLOT,
            pin: env.CERTQ_PKCS11_PIN ?? "",
          },
  };
}
