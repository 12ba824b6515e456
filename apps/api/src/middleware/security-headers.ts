import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/** What every response carries; the OCSP listener (ocsp-listener.ts) sends them too. */
export const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
} as const;

/**
 * On every response, errors and 404s included. Nothing is cached unless its route said how
 * (CRLs, CA certificates, OCSP, the docs script): most answers carry a token's view of the
 * CA, and some a secret (new tokens, private keys).
 */
export const securityHeaders = createMiddleware<AppEnv>(async function securityHeaders(c, next) {
  // Set before the route answers, which then replaces Cache-Control if it may be cached. Set
  // after, on the finished response, they made node-server rebuild it as a web Response and
  // copy its body: a 5 MB CRL copied once per download.
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  c.header("Cache-Control", "no-store");
  await next();
});
