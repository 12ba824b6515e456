import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * The request's ID: the caller's X-Request-Id when it is a plain token (so a proxy's ID
 * carries through to our logs), else a new one. Shared by the middleware and the OCSP listener.
 */
export function requestIdOf(incoming: string | undefined): string {
  if (incoming && incoming.length <= 255 && !/[^\w\-=]/.test(incoming)) return incoming;
  return `req-${randomUUID()}`;
}

/** Sets `requestId` for logs and error bodies, and echoes it in the response. */
export const requestId = createMiddleware<AppEnv>(async function requestId(c, next) {
  const id = requestIdOf(c.req.header(REQUEST_ID_HEADER));
  c.set("requestId", id);
  c.header(REQUEST_ID_HEADER, id);
  await next();
});
