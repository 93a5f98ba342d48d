// Compiles assembly/ four times: relaxed SIMD (true FMA where the CPU has it) and plain SIMD,
// the fallback for runtimes without relaxed SIMD; each once over an ordinary memory and once
// over a shared one (`*-shared.wasm`), which threads instantiate side by side to split an
// op's work. Runtimes without SharedArrayBuffer (browsers that are not cross-origin isolated)
// load the ordinary builds. The plain SIMD build also writes asc's typings of the exports
// (build/simd.d.ts), from which src/index.ts types them. Clears build/ first so no stale
// module survives a renamed export.
import { execFileSync } from "node:child_process";
import { rmSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asc = join(dirname(createRequire(import.meta.url).resolve("assemblyscript/package.json")), "bin", "asc.js");
const variants = { relaxed: "simd,relaxed-simd", simd: "simd" };
/** Pages a shared memory may grow to (4 GiB, all of wasm32); kernels/src/index.ts declares the same. */
const SHARED_MAXIMUM_PAGES = 65536;

rmSync(join(root, "build"), { recursive: true, force: true });
mkdirSync(join(root, "build"));
for (const [name, features] of Object.entries(variants)) {
  const common = [asc, "assembly/index.ts", "-O3", "--noAssert", "--runtime", "stub", "--importMemory"];
  const typings = name === "simd" ? ["--bindings", "raw"] : [];
  execFileSync(process.execPath, [...common, ...typings, "--enable", features, "-o", `build/${name}.wasm`], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [
    ...common, "--sharedMemory", "--maximumMemory", String(SHARED_MAXIMUM_PAGES),
    "--enable", `${features},threads`, "-o", `build/${name}-shared.wasm`,
  ], { cwd: root, stdio: "inherit" });
}
