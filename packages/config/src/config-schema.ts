import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * Every environment variable certq reads, with its default. The keys are the variable
 * names, so docker-compose.yml can be checked against this schema.
 */
export const configEnvSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default("postgres://postgres@127.0.0.1:5432/certq"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  PORT: port.default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** base64 of 32 random bytes; without it a development key is kept under ./.certq/. */
  CERTQ_KEK: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, {
      message: "must be base64 of exactly 32 bytes (openssl rand -base64 32)",
    })
    .optional(),
  CERTQ_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  CERTQ_DATA_DIR: z.string().min(1).default(".certq"),
  CERTQ_QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, "must be a Redis hash tag such as {certq}")
    .default("{certq}"),
  CERTQ_WORKER_CONCURRENCY: positiveInt.max(256).default(8),
  CERTQ_JOB_ATTEMPTS: positiveInt.max(50).default(5),
  CERTQ_SYNC_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
  CERTQ_PUBLIC_URL: z.url().default("http://localhost:8080"),
});

export type ConfigEnv = z.infer<typeof configEnvSchema>;
export type ConfigEnvKey = keyof typeof configEnvSchema.shape;

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  host: string;
  logLevel: ConfigEnv["LOG_LEVEL"];
  kekBase64: string | undefined;
  adminToken: string | undefined;
  dataDir: string;
  queuePrefix: string;
  workerConcurrency: number;
  jobAttempts: number;
  syncWaitMs: number;
  publicUrl: string;
}

export function toConfig(env: ConfigEnv): Config {
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    kekBase64: env.CERTQ_KEK,
    adminToken: env.CERTQ_ADMIN_TOKEN,
    dataDir: env.CERTQ_DATA_DIR,
    queuePrefix: env.CERTQ_QUEUE_PREFIX,
    workerConcurrency: env.CERTQ_WORKER_CONCURRENCY,
    jobAttempts: env.CERTQ_JOB_ATTEMPTS,
    syncWaitMs: env.CERTQ_SYNC_WAIT_MS,
    publicUrl: env.CERTQ_PUBLIC_URL.replace(/\/+$/, ""),
  };
}
