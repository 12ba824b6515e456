import { accessSync, constants } from "node:fs";
import type { z } from "zod";

/** One `host:port` of a sentinel or a cluster seed node. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Files and server name of a TLS connection to Redis (paths, read when connecting). */
export interface RedisTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

interface RedisCredentials {
  /** ACL user and password of the data nodes (not of the sentinels). */
  username?: string;
  password?: string;
  /** Present when the connection to the data nodes uses TLS. */
  tls?: RedisTlsConfig;
}

/** How certq reaches Redis: exactly one topology, chosen by which variables are set. */
export type RedisConnectionConfig =
  | ({ topology: "single"; url: string } & RedisCredentials)
  | ({
      topology: "sentinel";
      sentinels: RedisNodeAddress[];
      masterName: string;
      sentinelPassword?: string;
    } & RedisCredentials)
  | ({ topology: "cluster"; nodes: RedisNodeAddress[] } & RedisCredentials);

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The Redis variables of the config schema, as zod parsed them (all optional). */
export interface RedisEnv {
  REDIS_URL?: string;
  CERTQ_REDIS_SENTINELS?: string;
  CERTQ_REDIS_SENTINEL_MASTER?: string;
  CERTQ_REDIS_SENTINEL_PASSWORD?: string;
  CERTQ_REDIS_CLUSTER_NODES?: string;
  CERTQ_REDIS_USERNAME?: string;
  CERTQ_REDIS_PASSWORD?: string;
  CERTQ_REDIS_TLS?: boolean;
  CERTQ_REDIS_TLS_CA_FILE?: string;
  CERTQ_REDIS_TLS_CERT_FILE?: string;
  CERTQ_REDIS_TLS_KEY_FILE?: string;
  CERTQ_REDIS_TLS_SERVERNAME?: string;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** `host:port,host:port` as zod checks it; parseNodeList turns it into addresses. */
export function isNodeList(value: string): boolean {
  return value.split(",").every((entry) => {
    const match = HOST_PORT.exec(entry.trim());
    return match !== null && Number(match[2]) > 0 && Number(match[2]) < 65536;
  });
}

export function parseNodeList(value: string): RedisNodeAddress[] {
  return value.split(",").map((entry) => {
    const [, host = "", port = "0"] = HOST_PORT.exec(entry.trim()) ?? [];
    return { host: host.replace(/^\[|\]$/g, ""), port: Number(port) };
  });
}

type Issue = { path: string[]; message: string };

/**
 * Cross-variable rules: one topology at a time, what each topology needs, TLS settings only
 * with TLS on, readable files. Each problem names the variables involved.
 */
export function redisEnvProblems(env: RedisEnv): Issue[] {
  const problems: Issue[] = [];
  const problem = (variable: keyof RedisEnv, message: string) =>
    problems.push({ path: [variable], message });
  const chosen = (
    [
      ["REDIS_URL", env.REDIS_URL],
      ["CERTQ_REDIS_SENTINELS", env.CERTQ_REDIS_SENTINELS],
      ["CERTQ_REDIS_CLUSTER_NODES", env.CERTQ_REDIS_CLUSTER_NODES],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (chosen.length > 1) {
    const names = chosen.map(([name]) => name);
    problem(
      names[1] as keyof RedisEnv,
      `set only one Redis topology: ${names.join(" and ")} are both set`,
    );
  }
  const sentinel = env.CERTQ_REDIS_SENTINELS !== undefined;
  const cluster = env.CERTQ_REDIS_CLUSTER_NODES !== undefined;
  if (sentinel && !env.CERTQ_REDIS_SENTINEL_MASTER) {
    problem("CERTQ_REDIS_SENTINEL_MASTER", "required with CERTQ_REDIS_SENTINELS (the master name)");
  }
  if (!sentinel) {
    for (const name of ["CERTQ_REDIS_SENTINEL_MASTER", "CERTQ_REDIS_SENTINEL_PASSWORD"] as const) {
      if (env[name] !== undefined) problem(name, "only applies with CERTQ_REDIS_SENTINELS");
    }
  }
  const single = !sentinel && !cluster;
  if (single) {
    const url = safeUrl(env.REDIS_URL ?? DEFAULT_REDIS_URL);
    if (env.CERTQ_REDIS_TLS !== undefined) {
      problem("CERTQ_REDIS_TLS", "a single node takes TLS from REDIS_URL: use rediss://");
    }
    if (url?.password && env.CERTQ_REDIS_PASSWORD !== undefined) {
      problem("CERTQ_REDIS_PASSWORD", "REDIS_URL already carries a password; set one of them");
    }
    if (url?.username && env.CERTQ_REDIS_USERNAME !== undefined) {
      problem("CERTQ_REDIS_USERNAME", "REDIS_URL already carries a user; set one of them");
    }
  }
  const tlsOn = single
    ? (env.REDIS_URL ?? DEFAULT_REDIS_URL).startsWith("rediss:")
    : env.CERTQ_REDIS_TLS === true;
  const files = [
    "CERTQ_REDIS_TLS_CA_FILE",
    "CERTQ_REDIS_TLS_CERT_FILE",
    "CERTQ_REDIS_TLS_KEY_FILE",
  ] as const;
  for (const name of [...files, "CERTQ_REDIS_TLS_SERVERNAME"] as const) {
    if (env[name] !== undefined && !tlsOn) {
      problem(
        name,
        single
          ? "only applies to TLS connections: use rediss:// in REDIS_URL"
          : "only applies with CERTQ_REDIS_TLS=true",
      );
    }
  }
  for (const name of files) {
    const file = env[name];
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      problem(name, `cannot read ${file}`);
    }
  }
  if (
    (env.CERTQ_REDIS_TLS_CERT_FILE === undefined) !==
    (env.CERTQ_REDIS_TLS_KEY_FILE === undefined)
  ) {
    problem(
      env.CERTQ_REDIS_TLS_CERT_FILE === undefined
        ? "CERTQ_REDIS_TLS_CERT_FILE"
        : "CERTQ_REDIS_TLS_KEY_FILE",
      "a client certificate needs both CERTQ_REDIS_TLS_CERT_FILE and CERTQ_REDIS_TLS_KEY_FILE",
    );
  }
  return problems;
}

/** zod superRefine adapter for the config schema. */
export function checkRedisEnv(env: RedisEnv, ctx: z.RefinementCtx): void {
  for (const issue of redisEnvProblems(env)) ctx.addIssue({ code: "custom", ...issue });
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The parsed variables as one connection setting (call after redisEnvProblems found none). */
export function toRedisConnection(env: RedisEnv): RedisConnectionConfig {
  const credentials: RedisCredentials = {};
  if (env.CERTQ_REDIS_USERNAME !== undefined) credentials.username = env.CERTQ_REDIS_USERNAME;
  if (env.CERTQ_REDIS_PASSWORD !== undefined) credentials.password = env.CERTQ_REDIS_PASSWORD;
  const tls: RedisTlsConfig = {};
  if (env.CERTQ_REDIS_TLS_CA_FILE) tls.caFile = env.CERTQ_REDIS_TLS_CA_FILE;
  if (env.CERTQ_REDIS_TLS_CERT_FILE) tls.certFile = env.CERTQ_REDIS_TLS_CERT_FILE;
  if (env.CERTQ_REDIS_TLS_KEY_FILE) tls.keyFile = env.CERTQ_REDIS_TLS_KEY_FILE;
  if (env.CERTQ_REDIS_TLS_SERVERNAME) tls.serverName = env.CERTQ_REDIS_TLS_SERVERNAME;
  if (env.CERTQ_REDIS_SENTINELS !== undefined) {
    return {
      topology: "sentinel",
      sentinels: parseNodeList(env.CERTQ_REDIS_SENTINELS),
      masterName: env.CERTQ_REDIS_SENTINEL_MASTER ?? "",
      ...(env.CERTQ_REDIS_SENTINEL_PASSWORD !== undefined
        ? { sentinelPassword: env.CERTQ_REDIS_SENTINEL_PASSWORD }
        : {}),
      ...credentials,
      ...(env.CERTQ_REDIS_TLS ? { tls } : {}),
    };
  }
  if (env.CERTQ_REDIS_CLUSTER_NODES !== undefined) {
    return {
      topology: "cluster",
      nodes: parseNodeList(env.CERTQ_REDIS_CLUSTER_NODES),
      ...credentials,
      ...(env.CERTQ_REDIS_TLS ? { tls } : {}),
    };
  }
  const url = env.REDIS_URL ?? DEFAULT_REDIS_URL;
  return {
    topology: "single",
    url,
    ...credentials,
    ...(url.startsWith("rediss:") ? { tls } : {}),
  };
}

/** Where the connection points, for messages (never a password). */
export function describeRedis(config: RedisConnectionConfig): string {
  const list = (nodes: RedisNodeAddress[]) =>
    nodes.map((n) => (n.host.includes(":") ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`));
  switch (config.topology) {
    case "single": {
      const url = safeUrl(config.url);
      return url ? `${url.hostname || "localhost"}:${url.port || 6379} (REDIS_URL)` : "REDIS_URL";
    }
    case "sentinel":
      return `master "${config.masterName}" via sentinels ${list(config.sentinels).join(",")} (CERTQ_REDIS_SENTINELS)`;
    case "cluster":
      return `cluster ${list(config.nodes).join(",")} (CERTQ_REDIS_CLUSTER_NODES)`;
  }
}
