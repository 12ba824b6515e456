import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * On every response, errors and 404s included. Nothing is cached unless its route said how
 * (CRLs, CA certificates, OCSP, the docs script): most answers carry a token's view of the
 * CA, and some a secret (new tokens, private keys).
 */
export const securityHeaders = createMiddleware<AppEnv>(async function securityHeaders(c, next) {
  // Set before the route answers, which then replaces Cache-Control if it may be cached. Set
  // after, on the finished response, they made node-server rebuild it as a web Response and
  // copy its body: a 5 MB CRL copied once per download.
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("Cache-Control", "no-store");
  await next();
});
