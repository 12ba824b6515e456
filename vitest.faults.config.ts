import { defineConfig } from "vitest/config";

/**
 * The reliability fault suite: real API and worker processes, killed, flushed and cut off.
 * One file at a time, so each fault's timing is not skewed by the others on two cores.
 */
export default defineConfig({
  test: {
    include: ["apps/*/test/faults/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    setupFiles: ["./vitest.setup.ts"],
    reporters: ["default", "./vitest.summary-reporter.ts"],
  },
});
