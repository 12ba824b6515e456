import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./load-config";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("Redis connection settings", () => {
  it("keeps REDIS_URL a single node, with its default, user and password in the URL", () => {
    expect(parseConfig({}).redis).toEqual({ topology: "single", url: "redis://127.0.0.1:6379" });
    expect(parseConfig({ REDIS_URL: "rediss://u:p@redis.example:6380" }).redis).toEqual({
      topology: "single",
      url: "rediss://u:p@redis.example:6380",
      tls: {},
    });
  });

  it("reads Sentinel: sentinels, master name, sentinel and data passwords, TLS", () => {
    expect(
      parseConfig({
        CERTQ_REDIS_SENTINELS: "10.0.0.1:26379, [::1]:26380",
        CERTQ_REDIS_SENTINEL_MASTER: "certq",
        CERTQ_REDIS_SENTINEL_PASSWORD: "sp",
        CERTQ_REDIS_USERNAME: "certq",
        CERTQ_REDIS_PASSWORD: "dp",
        CERTQ_REDIS_TLS: "true",
        CERTQ_REDIS_TLS_SERVERNAME: "redis.example",
      }).redis,
    ).toEqual({
      topology: "sentinel",
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "::1", port: 26380 },
      ],
      masterName: "certq",
      sentinelPassword: "sp",
      username: "certq",
      password: "dp",
      tls: { serverName: "redis.example" },
    });
  });

  it("reads Cluster seed nodes", () => {
    expect(parseConfig({ CERTQ_REDIS_CLUSTER_NODES: "a:7000,b:7001" }).redis).toEqual({
      topology: "cluster",
      nodes: [
        { host: "a", port: 7000 },
        { host: "b", port: 7001 },
      ],
    });
  });

  it.each([
    [
      { REDIS_URL: "redis://x:1", CERTQ_REDIS_CLUSTER_NODES: "a:1" },
      /CERTQ_REDIS_CLUSTER_NODES: set only one Redis topology: REDIS_URL and CERTQ_REDIS_CLUSTER_NODES/,
    ],
    [
      {
        CERTQ_REDIS_SENTINELS: "a:1",
        CERTQ_REDIS_CLUSTER_NODES: "b:1",
        CERTQ_REDIS_SENTINEL_MASTER: "m",
      },
      /CERTQ_REDIS_SENTINELS and CERTQ_REDIS_CLUSTER_NODES/,
    ],
    [{ CERTQ_REDIS_SENTINELS: "a:1" }, /CERTQ_REDIS_SENTINEL_MASTER: required/],
    [
      { CERTQ_REDIS_SENTINEL_MASTER: "m" },
      /CERTQ_REDIS_SENTINEL_MASTER: only applies with CERTQ_REDIS_SENTINELS/,
    ],
    [{ CERTQ_REDIS_CLUSTER_NODES: "a" }, /CERTQ_REDIS_CLUSTER_NODES: must be host:port/],
    [{ CERTQ_REDIS_TLS: "true" }, /CERTQ_REDIS_TLS: a single node takes TLS from REDIS_URL/],
    [
      { CERTQ_REDIS_TLS_SERVERNAME: "x" },
      /CERTQ_REDIS_TLS_SERVERNAME: only applies to TLS connections/,
    ],
    [
      { CERTQ_REDIS_CLUSTER_NODES: "a:1", CERTQ_REDIS_TLS_CA_FILE: "/x" },
      /CERTQ_REDIS_TLS_CA_FILE: only applies with CERTQ_REDIS_TLS=true/,
    ],
    [
      { REDIS_URL: "rediss://h:1", CERTQ_REDIS_TLS_CA_FILE: "/nonexistent/ca.pem" },
      /CERTQ_REDIS_TLS_CA_FILE: cannot read/,
    ],
    [
      { REDIS_URL: "rediss://h:1", CERTQ_REDIS_TLS_CERT_FILE: "/etc/hostname" },
      /CERTQ_REDIS_TLS_KEY_FILE: a client certificate needs both/,
    ],
    [
      { REDIS_URL: "redis://:p@h:1", CERTQ_REDIS_PASSWORD: "q" },
      /CERTQ_REDIS_PASSWORD: REDIS_URL already carries a password/,
    ],
  ])("refuses %o, naming the variables", (env, message) => {
    expect(problems(env).join("\n")).toMatch(message);
  });
});
