// Compiles assembly/ twice: relaxed SIMD (true FMA where the CPU has it) and plain SIMD,
// the fallback for runtimes without relaxed SIMD. Clears build/ first so no stale module
// survives a renamed export.
import { execFileSync } from "node:child_process";
import { rmSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asc = join(dirname(createRequire(import.meta.url).resolve("assemblyscript/package.json")), "bin", "asc.js");
const variants = { relaxed: "simd,relaxed-simd", simd: "simd" };

rmSync(join(root, "build"), { recursive: true, force: true });
mkdirSync(join(root, "build"));
for (const [name, features] of Object.entries(variants)) {
  execFileSync(process.execPath, [
    asc, "assembly/index.ts",
    "-O3", "--noAssert", "--runtime", "stub", "--importMemory",
    "--enable", features,
    "-o", `build/${name}.wasm`,
  ], { cwd: root, stdio: "inherit" });
}
