import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errorBody } from "./error-body";

export const MAX_BODY_BYTES = 1024 * 1024;
/** All of a request's header lines together; past it Node answers 431 before the app runs. */
export const MAX_HEADER_BYTES = 16 * 1024;

const tooLarge = (c: Context<AppEnv>) =>
  errorBody(c, 413, `Request body is larger than ${MAX_BODY_BYTES} bytes`);

/** Counts the bytes of a body that comes without a Content-Length (chunked). */
const countBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

/**
 * 413 for bodies over MAX_BODY_BYTES. hono's bodyLimit asks for the request's body stream
 * even when a Content-Length settles it, which makes the node adapter build a full fetch
 * Request for every request (8 % of the submit path's CPU): the header is enough.
 */
export const limitBody = createMiddleware<AppEnv>(async function limitBody(c, next) {
  const method = c.req.method;
  // A GET or HEAD has no body for fetch (hono's bodyLimit lets them through too).
  if (method === "GET" || method === "HEAD") return next();
  const length = c.req.header("content-length");
  if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
    return Number.parseInt(length, 10) > MAX_BODY_BYTES ? tooLarge(c) : next();
  }
  return countBody(c, next);
});

/** Bodies are JSON; anything else would otherwise surface as a confusing validation error. */
export const requireJsonBody = createMiddleware<AppEnv>(async function requireJsonBody(c, next) {
  const method = c.req.method;
  // OCSP (DER bodies) is answered before this runs: see createApp.
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    const type = c.req.header("content-type") ?? "";
    // Every body we accept is JSON; an empty body is left to the route's own validation.
    const empty = c.req.header("content-length") === "0";
    if (!empty && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      return errorBody(c, 400, `Content-Type must be application/json, got '${type || "none"}'`);
    }
  }
  await next();
});
