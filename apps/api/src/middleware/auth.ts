import { authenticate, requireScope, type Scope } from "@certq/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Resolves the bearer token into `c.var.principal` and checks the route's scope before its
 * body is validated, so a caller without access learns nothing about the schema. The verbs
 * check their scope again: routes are not the only callers.
 */
export function authorize(scope: Scope) {
  const middleware = createMiddleware<AppEnv>(async function authorizeToken(c, next) {
    const header = c.req.header("authorization");
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    const principal = await authenticate({ ctx: c.var.ctx, tokenValue: match?.[1] });
    requireScope(principal, scope);
    c.set("principal", principal);
    await next();
  });
  return requiringScope(middleware, scope);
}

/**
 * Marks a middleware with the scope it checks, so the auth matrix test reads each route's
 * scope from the app itself (app.routes) rather than from a hand-kept list.
 */
export function requiringScope<T extends object>(middleware: T, scope: Scope): T {
  return Object.assign(middleware, { requiredScope: scope });
}

/** The scope a middleware marked by requiringScope checks; undefined for any other. */
export function requiredScopeOf(handler: unknown): Scope | undefined {
  return (handler as { requiredScope?: Scope } | null)?.requiredScope;
}
