import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/** Prometheus text, rendered at scrape time. */
export type RenderMetrics = () => Promise<{ body: string; contentType: string }>;

export const registryMetrics =
  (registry: Registry): RenderMetrics =>
  async () => ({ body: await registry.metrics(), contentType: registry.contentType });

/**
 * GET /metrics on a listener of its own, without a token: what reaches `host:port` may scrape,
 * so it binds to loopback unless the operator says otherwise (CERTQ_METRICS_HOST).
 * Resolves once listening.
 */
export async function serveMetrics(options: {
  render: RenderMetrics;
  port: number;
  host: string;
}): Promise<Server> {
  const server = createServer(async function answerScrape(req, res) {
    const headers = { "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store" };
    if (req.method === "GET" && req.url === "/metrics") {
      try {
        const { body, contentType } = await options.render();
        res.writeHead(200, { ...headers, "Content-Type": contentType });
        res.end(body);
      } catch {
        res.writeHead(500, headers).end();
      }
      return;
    }
    res.writeHead(404, headers).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
