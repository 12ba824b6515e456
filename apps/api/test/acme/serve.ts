import { createServer } from "node:net";
import { serve } from "@hono/node-server";
import type { Harness } from "../harness";

/** A port nothing listens on right now, for a client's challenge server. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/** Serves the harness's app on a loopback port and makes that its public URL. */
export async function serveHarness(h: Harness) {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  h.ctx.publicUrl = `http://127.0.0.1:${port}`;
  return {
    url: h.ctx.publicUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
