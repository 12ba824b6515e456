import { createServer } from "node:http";
import type { Registry } from "prom-client";

/** A worker has no API: it answers GET /metrics on a port of its own. */
export function serveMetrics(registry: Registry, port: number) {
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/metrics") {
      res.writeHead(200, { "Content-Type": registry.contentType });
      res.end(await registry.metrics());
      return;
    }
    res.writeHead(404).end();
  });
  return server.listen(port);
}
