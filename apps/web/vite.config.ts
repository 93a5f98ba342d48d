import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Cross-origin isolation gives the page SharedArrayBuffer, which the WASM backend's threads
// need; every asset is same-origin, so require-corp costs nothing.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  // relative asset URLs: the built page works from any directory it is served from
  base: "./",
  server: { headers: isolation, fs: { allow: [fileURLToPath(new URL("../..", import.meta.url))] } },
  preview: { headers: isolation },
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
