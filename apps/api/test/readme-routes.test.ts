import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";
import { type RouteEntry, routeTable } from "./route-table";

const README = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../README.md"),
  "utf8",
);
// bull-board registers dozens of routes of its own; the README documents their mount point.
const DASHBOARD = "/admin/queues";

/** `METHOD /path` of the README's API table (with {param} as hono's :param) -> its scope. */
function documentedRoutes(): Map<string, string> {
  const section = README.slice(
    README.indexOf("\n## API\n"),
    README.indexOf("\n### ", README.indexOf("\n## API\n")),
  );
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  const routes = new Map<string, string>();
  for (const row of rows) {
    const [, routeCell = "", scopeCell = ""] = row.split("|");
    const scope = scopeCell.trim().replaceAll("`", "");
    for (const [, method, route] of routeCell.matchAll(/`([A-Z]+) (\/[^`?\s]*)`/g)) {
      routes.set(`${method} ${(route as string).replace(/\{(\w+)\}/g, ":$1")}`, scope);
    }
  }
  return routes;
}

/** Every registered route -> the scope guarding it ("none" when public). */
function registeredRoutes(routes: readonly RouteEntry[]): Map<string, string> {
  const registered = new Map<string, string>();
  for (const { method, path: routePath, scopes } of routeTable(routes)) {
    const scope = [...scopes].sort().join(", ") || "none";
    const inDashboard = routePath === DASHBOARD || routePath.startsWith(`${DASHBOARD}/`);
    registered.set(inDashboard ? `ALL ${DASHBOARD}` : `${method} ${routePath}`, scope);
  }
  return registered;
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("README's API table", () => {
  it("lists exactly the routes the app registers, each with the scope it requires", () => {
    const registered = registeredRoutes(h.app.routes as RouteEntry[]);
    const documented = documentedRoutes();
    expect(documented.size).toBeGreaterThan(30);
    expect(
      [...registered.keys()].filter((route) => !documented.has(route)),
      "undocumented",
    ).toEqual([]);
    expect(
      [...documented.keys()].filter((route) => !registered.has(route)),
      "not registered",
    ).toEqual([]);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
  });
});
