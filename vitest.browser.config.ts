import { defineConfig } from "vitest/config";

/** Pages in headless Chromium (Debian's chromium package); `npm run test:browser`. */
export default defineConfig({
  test: {
    include: ["apps/*/test-browser/**/*.browser.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["./vitest.setup.ts"],
    reporters: ["default", "./vitest.summary-reporter.ts"],
  },
});
