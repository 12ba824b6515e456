import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    // The fault suite runs on its own (vitest.faults.config.ts): it starts real processes.
    exclude: ["**/node_modules/**", "apps/*/test/faults/**"],
    // Each file owns its database and queue prefix, so files run in parallel safely.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["./vitest.setup.ts"],
    reporters: ["default", "./vitest.summary-reporter.ts"],
  },
});
