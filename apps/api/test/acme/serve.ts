export { freePort } from "@certq/core/testing";

import type { Harness } from "../harness";

/** Serves the harness's API on a loopback port and makes that its public URL. */
export async function serveHarness(h: Harness) {
  const served = await h.serve();
  h.ctx.publicUrl = served.url;
  return { url: served.url, close: served.close };
}
