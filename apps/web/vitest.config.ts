import { defineConfig } from "vitest/config";

export default defineConfig({
  // the browser test builds nothing itself: it serves dist/ (turbo runs build before test)
  test: { include: ["src/**/*.test.ts", "e2e/**/*.test.ts"], testTimeout: 240_000, hookTimeout: 120_000, fileParallelism: false },
});
