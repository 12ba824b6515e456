import { authenticate, requireScope, type Scope } from "@certq/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Resolves the bearer token into `c.var.principal` and checks the route's scope before its
 * body is validated, so a caller without access learns nothing about the schema. The verbs
 * check their scope again: routes are not the only callers.
 */
export function authorize(scope: Scope) {
  return createMiddleware<AppEnv>(async function authorizeToken(c, next) {
    const header = c.req.header("authorization");
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    const principal = await authenticate({ ctx: c.var.ctx, tokenValue: match?.[1] });
    requireScope(principal, scope);
    c.set("principal", principal);
    await next();
  });
}
