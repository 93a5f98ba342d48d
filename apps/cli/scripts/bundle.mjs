// Bundles the CLI into dist/bin/bvae.mjs, one plain-JavaScript file Node runs without a
// TypeScript loader (faster start, and ~40 MiB less memory than tsx's loader thread and
// transpiler). The kernels find their modules at ../build/*.wasm beside the file that loads
// them, the WASM threads their worker at ./wasm-worker.js and the data files their reader at
// ./row-reader-worker.js, so these are copied (or bundled) to match.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const dist = here("../dist/");
rmSync(dist, { recursive: true, force: true });
mkdirSync(`${dist}bin`, { recursive: true });
mkdirSync(`${dist}build`, { recursive: true });

await build({
  entryPoints: [here("../src/run.ts")],
  outfile: `${dist}bin/bvae.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // the workspace packages' TypeScript sources, as in every in-repository tool
  conditions: ["@betavae/source"],
  // native addons: Dawn, loaded only for --backend webgpu; resvg, which rasterises charts; sharp, which decodes --data-dir
  external: ["webgpu", "@resvg/resvg-js", "sharp"],
  // bundled CommonJS dependencies call require()
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});

const kernels = here("../../../kernels/build/");
for (const file of readdirSync(kernels).filter((f) => f.endsWith(".wasm"))) copyFileSync(kernels + file, `${dist}build/${file}`);
copyFileSync(here("../../../packages/core/src/backend/wasm-worker.js"), `${dist}bin/wasm-worker.js`);

// the data files' reader thread, with h5wasm inside it (the only thread that reads HDF5)
await build({
  entryPoints: [here("../../../packages/datasets/src/row-reader-worker.js")],
  outfile: `${dist}bin/row-reader-worker.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});
