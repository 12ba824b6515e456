import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app";
import type { OcspListener } from "./routes/revocation/ocsp-listener";

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * What the API's HTTP(S) server runs for each request: OCSP's own node handler first (see
 * ocsp-listener.ts), then the app through the hono adapter. `hostname` stands in for a
 * missing Host header, as with the adapter's serve().
 */
export function createRequestListener(deps: {
  app: App;
  ocsp: OcspListener;
  hostname?: string;
}): RequestListener {
  const { ocsp } = deps;
  const app = getRequestListener(deps.app.fetch, { hostname: deps.hostname });
  return function requestListener(req, res) {
    if (!ocsp(req, res)) void app(req, res);
  };
}
