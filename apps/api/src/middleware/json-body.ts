import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errorBody } from "./error-body";

export const MAX_BODY_BYTES = 1024 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => errorBody(c, 413, `Request body is larger than ${MAX_BODY_BYTES} bytes`),
});

/** Bodies are JSON; anything else would otherwise surface as a confusing validation error. */
export const requireJsonBody = createMiddleware<AppEnv>(async function requireJsonBody(c, next) {
  const method = c.req.method;
  // OCSP speaks DER (application/ocsp-request), the one body that is not JSON.
  const isOcsp = c.req.path === "/ocsp";
  if (!isOcsp && (method === "POST" || method === "PUT" || method === "PATCH")) {
    const type = c.req.header("content-type") ?? "";
    // Every body we accept is JSON; an empty body is left to the route's own validation.
    const empty = c.req.header("content-length") === "0";
    if (!empty && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      return errorBody(c, 400, `Content-Type must be application/json, got '${type || "none"}'`);
    }
  }
  await next();
});
