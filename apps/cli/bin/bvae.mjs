#!/usr/bin/env node
// Runs the bundled CLI (dist/, made by `npx turbo build`) when it is newer than every source
// it is built from; otherwise the TypeScript sources through tsx's loader, so an edit takes
// effect without a rebuild.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const bundle = path("../dist/bin/bvae.mjs");

/** The newest modification time under `dir` (0 if it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function bundleIsFresh() {
  if (!existsSync(bundle)) return false;
  const packages = path("../../../packages");
  const sources = [path("../src"), path("../../../kernels/src"), path("../../../kernels/build"),
    ...readdirSync(packages).map((p) => `${packages}/${p}/src`)];
  return statSync(bundle).mtimeMs >= Math.max(...sources.map(newest));
}

if (bundleIsFresh()) {
  await import(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/run.ts");
}
