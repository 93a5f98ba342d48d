import { defineConfig } from "vitest/config";
import { resolveSources } from "../../vite.source.ts";

export default defineConfig({
  ...resolveSources,
  test: {
    include: ["src/**/*.test.ts"],
    // SwiftShader runs the GPU on the CPU: a 20-step parity run takes ~2 min on a quiet 2-core
    // machine and over 4 min when training runs share it
    testTimeout: 600_000,
  },
});
