import type { Scope } from "@certq/core";
import { requiredScopeOf } from "../src/middleware/auth";

/** One entry of hono's `app.routes`: app.use() middleware shows up with method ALL. */
export interface RouteEntry {
  method: string;
  path: string;
  handler: unknown;
}

export interface RouteScopes {
  method: string;
  path: string;
  /** What the route's own and enclosing middleware require (authorize / requiringScope). */
  scopes: Set<Scope>;
}

/** Whether a registered pattern (an exact path, or one ending in `/*`) covers a route path. */
function covers(pattern: string, routePath: string): boolean {
  if (pattern === routePath || pattern === "/*") return true;
  return pattern.endsWith("/*") && routePath.startsWith(pattern.slice(0, -1));
}

/**
 * Each distinct route the app registers with the scopes that guard it, read from the app
 * itself, so a route added later is covered without anyone listing it.
 */
export function routeTable(routes: readonly RouteEntry[]): RouteScopes[] {
  const table = new Map<string, RouteScopes>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const key = `${route.method} ${route.path}`;
    if (table.has(key)) continue;
    const scopes = new Set<Scope>();
    for (const other of routes) {
      if (other.method !== route.method && other.method !== "ALL") continue;
      if (!covers(other.path, route.path)) continue;
      const scope = requiredScopeOf(other.handler);
      if (scope) scopes.add(scope);
    }
    table.set(key, { method: route.method, path: route.path, scopes });
  }
  return [...table.values()];
}
