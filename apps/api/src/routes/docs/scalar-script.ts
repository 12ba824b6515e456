import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Context } from "hono";

export const SCALAR_SCRIPT_PATH = "/docs/scalar.js";

const require = createRequire(import.meta.url);
let script: Promise<Buffer> | undefined;

/** Scalar's standalone bundle from node_modules, read once on first use. */
export async function serveScalarScript(c: Context) {
  script ??= readFile(require.resolve("@scalar/api-reference/browser/standalone.js"));
  return c.body(new Uint8Array(await script), 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "public, max-age=86400",
  });
}
