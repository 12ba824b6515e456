import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

const README = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../README.md"),
  "utf8",
);
// bull-board registers dozens of routes of its own; the README documents their mount point.
const DASHBOARD = "/admin/queues";

/** `METHOD /path` entries of the README's API table, with {param} as hono's :param. */
function documentedRoutes(): Set<string> {
  const section = README.slice(
    README.indexOf("\n## API\n"),
    README.indexOf("\n### ", README.indexOf("\n## API\n")),
  );
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  const routes = new Set<string>();
  for (const row of rows) {
    const cell = row.split("|")[1] ?? "";
    for (const [, method, route] of cell.matchAll(/`([A-Z]+) (\/[^`?\s]*)`/g)) {
      routes.add(`${method} ${(route as string).replace(/\{(\w+)\}/g, ":$1")}`);
    }
  }
  return routes;
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe("README's API table", () => {
  it("lists exactly the routes the app registers", () => {
    const registered = new Set(
      h.app.routes
        // app.use() middleware shows up as method ALL; only the dashboard mounts a route so.
        .filter((route) => route.method !== "ALL" || route.path.startsWith(DASHBOARD))
        .map((route) =>
          route.path === DASHBOARD || route.path.startsWith(`${DASHBOARD}/`)
            ? `ALL ${DASHBOARD}`
            : `${route.method} ${route.path}`,
        ),
    );
    const documented = documentedRoutes();
    expect(documented.size).toBeGreaterThan(30);
    expect(
      [...registered].filter((route) => !documented.has(route)),
      "undocumented",
    ).toEqual([]);
    expect(
      [...documented].filter((route) => !registered.has(route)),
      "not registered",
    ).toEqual([]);
  });
});
