import { defineConfig } from "vitest/config";
import { resolveSources } from "../../vite.source.ts";

export default defineConfig({
  ...resolveSources,
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 240_000,
  },
});
