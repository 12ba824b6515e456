import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonContent } from "../openapi-shared";

/** Readiness probes for each backing service; each resolves when it answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Health"],
  summary: "The process is up",
  responses: { 200: jsonContent(z.object({ status: z.literal("ok") }), "Up") },
});

const checksSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  checks: z.record(z.string(), z.enum(["ok", "down"])),
});

const readyRoute = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Health"],
  summary: "Postgres and Redis answer",
  responses: {
    200: jsonContent(checksSchema, "Every dependency answers"),
    503: jsonContent(checksSchema, "A dependency is down; `checks` says which"),
  },
});

const CHECK_TIMEOUT_MS = 2_000;

export function registerHealth(app: OpenAPIHono<AppEnv>, checks: ReadinessChecks) {
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyRoute, async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, "ok"] as const;
        } catch {
          return [name, "down"] as const;
        }
      }),
    );
    const allOk = results.every(([, r]) => r === "ok");
    const body = {
      status: allOk ? ("ok" as const) : ("unavailable" as const),
      checks: Object.fromEntries(results),
    };
    return allOk ? c.json(body, 200) : c.json(body, 503);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
