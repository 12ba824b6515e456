import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configEnvSchema } from "./config-schema";
import { parseConfig } from "./load-config";

// No Docker engine runs in CI, so the compose file is checked by reading it.
const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../docker-compose.yml",
);
const compose = parse(readFileSync(file, "utf8")) as {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      command?: string[];
      healthcheck?: unknown;
      build?: unknown;
      image?: string;
      depends_on?: Record<string, { condition: string }>;
    }
  >;
};

/** Compose's ${VAR:?msg} and ${VAR:-default} are filled as a user's shell would. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::[?-]([^}]*))?\}/g, (_m, name: string) =>
    name === "CERTQ_KEK" ? Buffer.alloc(32, 1).toString("base64") : "",
  );
}

describe("docker-compose.yml", () => {
  it("has postgres, redis, api and worker, each with a health check", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["api", "postgres", "redis", "worker"]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck, name).toBeDefined();
    }
    expect(compose.services.api?.build).toBeDefined();
    expect(compose.services.worker?.build).toBeDefined();
  });

  it("runs Redis with maxmemory-policy noeviction", () => {
    const command = compose.services.redis?.command ?? [];
    expect(command.join(" ")).toMatch(/--maxmemory-policy noeviction/);
  });

  it.each(["api", "worker"])("%s waits for healthy postgres and redis", (name) => {
    expect(compose.services[name]?.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
  });

  it.each(["api", "worker"])(
    "%s environment names only known variables, with valid values",
    (name) => {
      const env = compose.services[name]?.environment ?? {};
      const known = Object.keys(configEnvSchema.shape);
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      const filled = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, interpolate(String(v))]),
      );
      const config = parseConfig(filled);
      expect(config.databaseUrl).toContain("@postgres:5432/");
      expect(config.redis).toEqual({ topology: "single", url: "redis://redis:6379" });
    },
  );
});
