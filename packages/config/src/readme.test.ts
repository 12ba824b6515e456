import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configEnvSchema } from "./config-schema";

const readme = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../README.md"),
  "utf8",
);

describe("README", () => {
  it("documents every environment variable with its default", () => {
    const undocumented = Object.keys(configEnvSchema.shape).filter(
      (name) => !new RegExp(`^\\| \`${name}\` +\\|`, "m").test(readme),
    );
    expect(undocumented).toEqual([]);
  });
});
