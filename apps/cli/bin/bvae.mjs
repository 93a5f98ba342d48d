#!/usr/bin/env node
// Runs the bundled CLI (dist/, made by `npx turbo build`). Inside the repository, when a
// source is newer than the bundle, it runs the TypeScript sources through tsx's loader
// instead, so an edit takes effect without a rebuild. An installed package ships no sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath } from "node:url";

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const bundle = path("../dist/bin/bvae.mjs");
const sources = path("../src");

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
  const inputs = [sources, path("../../../kernels/src"), path("../../../kernels/build"),
    ...readdirSync(packages).map((p) => `${packages}/${p}/src`)];
  return statSync(bundle).mtimeMs >= Math.max(...inputs.map(newest));
}

if (!existsSync(sources) || bundleIsFresh()) {
  await import(bundle);
} else {
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  // the workspace packages' TypeScript sources, which their exports name under this condition
  const sourceCondition = "export const resolve = (specifier, context, next) => " +
    "next(specifier, { ...context, conditions: [...context.conditions, '@betavae/source'] });";
  register(`data:text/javascript,${encodeURIComponent(sourceCondition)}`);
  await import("../src/run.ts");
}
