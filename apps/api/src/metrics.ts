import type { IssuanceQueue } from "@certq/core";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AppEnv } from "./env";

const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;

/**
 * The API's Prometheus metrics on a registry of its own: HTTP requests by route and status,
 * and the issuance queue's depth, read from Redis at scrape time.
 */
export function createApiMetrics(options: { queue: IssuanceQueue; include?: Registry[] }) {
  const registry = new Registry();
  const requests = new Counter({
    name: "certq_http_requests_total",
    help: "HTTP requests, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "certq_http_request_duration_seconds",
    help: "HTTP request duration, by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [registry],
  });
  new Gauge({
    name: "certq_queue_jobs",
    help: "Issuance jobs in the queue, by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = await options.queue.getJobCounts(...QUEUE_STATES).catch(() => null);
      if (!counts) return;
      for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });

  const record = (method: string, route: string, status: number, seconds: number) => {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  };

  const measure = createMiddleware<AppEnv>(async function measureRequest(c, next) {
    const started = performance.now();
    await next();
    // The route pattern, not the raw path: IDs would explode the label set.
    const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
    const route = handler?.path ?? "unmatched";
    record(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
  });

  const merged = () => Registry.merge([registry, ...(options.include ?? [])]);
  return {
    measure,
    /** Counts one request and its duration; for requests answered outside the app (OCSP). */
    record,
    async render() {
      const all = merged();
      return { body: await all.metrics(), contentType: all.contentType };
    },
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
