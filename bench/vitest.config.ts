import { defineConfig } from "vitest/config";
import { resolveSources } from "../vite.source.ts";

export default defineConfig({
  ...resolveSources,
  test: {
    // as in the other packages: a shared, loaded machine must not fail a test by its pace
    testTimeout: 60_000,
  },
});
