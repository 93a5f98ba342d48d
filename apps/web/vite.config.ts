import { fileURLToPath } from "node:url";
import { type Plugin, defineConfig } from "vite";
import { resolveSources } from "../../vite.source.ts";

// Cross-origin isolation gives the page SharedArrayBuffer, which the WASM backend's threads
// need; every asset is same-origin, so require-corp costs nothing.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

/**
 * The shared packages reach Node built-ins only through dynamic imports on their Node paths
 * (reading kernel files, worker_threads, Dawn); in the page those imports never run, so they
 * resolve to an empty module instead of Vite's warning shim.
 */
const nodeBuiltinsUnused: Plugin = {
  name: "node-builtins-unused-in-browser",
  enforce: "pre",
  resolveId: (id) => (id.startsWith("node:") ? "\0node-builtin-unused" : null),
  load: (id) => (id === "\0node-builtin-unused" ? "export default {};" : null),
};

export default defineConfig({
  ...resolveSources,
  plugins: [nodeBuiltinsUnused],
  // relative asset URLs: the built page works from any directory it is served from
  base: "./",
  server: { headers: isolation, fs: { allow: [fileURLToPath(new URL("../..", import.meta.url))] } },
  preview: { headers: isolation },
  worker: { format: "es", plugins: () => [nodeBuiltinsUnused] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
