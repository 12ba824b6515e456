import { createServer } from "node:net";
import type { Harness } from "../harness";

/** A port nothing listens on right now, for a client's challenge server. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/** Serves the harness's API on a loopback port and makes that its public URL. */
export async function serveHarness(h: Harness) {
  const served = await h.serve();
  h.ctx.publicUrl = served.url;
  return { url: served.url, close: served.close };
}
