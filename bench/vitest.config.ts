import { defineConfig } from "vitest/config";
import { resolveSources } from "../vite.source.ts";

export default defineConfig({ ...resolveSources });
