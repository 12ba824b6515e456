import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * On every response, errors and 404s included. Nothing is cached unless its route said how
 * (CRLs, CA certificates, OCSP, the docs script): most answers carry a token's view of the
 * CA, and some a secret (new tokens, private keys).
 */
export const securityHeaders = createMiddleware<AppEnv>(async function securityHeaders(c, next) {
  await next();
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});
