// Builds a library package for installs outside this repository: tsc emits JavaScript and
// declarations from src/ into dist/ (tsconfig.build.json → tsconfig.lib.json), the files
// src/ holds that are not TypeScript (the WASM backend's worker) are copied beside them so
// `new URL(…, import.meta.url)` finds them, and every relative import is given the explicit
// `.js` path Node's ESM loader (and TypeScript's `nodenext` resolution) require, since the
// sources import without extensions for the in-repository tools.
// Run from the package's directory: `node ../../scripts/build-package.mjs`.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

const src = "src";
const dist = "dist";
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });

/** Every file under `dir`, as paths relative to it. */
function walk(dir, prefix = "") {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    return entry.isDirectory() ? walk(dir, path) : [path];
  });
}

for (const file of walk(src).filter((f) => !f.endsWith(".ts"))) {
  mkdirSync(dirname(join(dist, file)), { recursive: true });
  copyFileSync(join(src, file), join(dist, file));
}

const RELATIVE_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']*)\2/g;

/** `specifier` (relative to `file`) as the emitted JavaScript file it names. */
function explicit(file, specifier) {
  if (/\.(m?js|json|wasm)$/.test(specifier)) return specifier;
  const path = specifier.replace(/\.ts$/, ""); // declarations keep the sources' .ts extensions
  const base = join(dirname(file), path);
  if (existsSync(`${base}.js`)) return `${path}.js`;
  if (existsSync(join(base, "index.js"))) return `${path}/index.js`;
  throw new Error(`${relative(".", file)}: cannot find the file '${specifier}' names`);
}

for (const file of walk(dist).filter((f) => /\.(js|d\.ts)$/.test(f)).map((f) => join(dist, f))) {
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(RELATIVE_IMPORT, (_, lead, quote, spec) => `${lead}${quote}${explicit(file, spec)}${quote}`);
  if (fixed !== text) writeFileSync(file, fixed);
}
