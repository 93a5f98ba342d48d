import { defineConfig } from "vitest/config";
import { resolveSources } from "../../vite.source.ts";

export default defineConfig({
  ...resolveSources,
  test: {
    // the browser test builds nothing itself: it serves dist/ (turbo runs build before test)
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // the page shares a loaded CI machine: give its work time before a poll gives up
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
