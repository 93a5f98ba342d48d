// The op descriptions against the compiled kernels: every kernel an op names is a function the
// module exports, and the module exports nothing that no op describes but the helpers that
// size scratch and probe the build. (How many arguments each description pushes is checked
// against the kernel's arity on every call; the op suite runs every op.)
import { kernelBytes, relaxedSimdSupported } from "@betavae/kernels";
import { beforeAll, describe, expect, it } from "vitest";
import { OPS } from "./ops/index";
import { POOL_CALLS } from "./wasm-pool";

/** Exports that are not an op's kernel: scratch sizes, the heap's start, build probes. */
const HELPERS = ["heap_base", "uses_relaxed_simd", "fma_peak", "gemm_scratch", "dense_scratch", "conv2d_scratch", "bias_grad_scratch"];

describe("op descriptions against the kernel module", () => {
  beforeAll(async () => {
    expect(await relaxedSimdSupported()).toBe(true); // Node 20 compiles relaxed SIMD once the loader has set its flag
  });
  for (const [variant, shared] of [["simd", false], ["simd", true], ["relaxed", false], ["relaxed", true]] as const) {
    it(`${variant}${shared ? ", shared memory" : ""}: exports every described kernel and nothing undescribed`, async () => {
      const module = await WebAssembly.compile(await kernelBytes(variant, shared));
      const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
      for (const op of OPS) expect(functions, `${op.name} calls ${op.kernel}`).toContain(op.kernel);
      expect(functions.sort()).toEqual([...new Set([...POOL_CALLS, ...HELPERS])].sort());
    });
  }

  it("names every op once", () => {
    expect(new Set(OPS.map((op) => op.name)).size).toBe(OPS.length);
  });
});
