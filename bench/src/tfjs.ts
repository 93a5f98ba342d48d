// TensorFlow.js on its WebAssembly backend, the peer the benchmarks compare against.
// Loaded from the npm package's own .wasm files (no network). Import this only after the
// kernels have been loaded: Node 20 needs its relaxed-SIMD flag set before any WebAssembly
// module is compiled, and tfjs compiles its module in setBackend.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type Tf = typeof import("@tensorflow/tfjs-core");

export interface TfjsInfo {
  core: string;
  backendWasm: string;
  backend: string;
  simd: boolean;
  multithreadSupported: boolean;
  threads: number | null;
  wasmDir: string;
}

export interface TfjsWasm {
  tf: Tf;
  info: TfjsInfo;
}

/** tfjs-core with the wasm backend active, single-threaded. */
export async function loadTfjsWasm(): Promise<TfjsWasm> {
  const tf = await import("@tensorflow/tfjs-core");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  // A plain directory path: emscripten reads the file with fs in Node (no fetch).
  wasm.setWasmPaths(`${wasmDir}/`);
  if (typeof wasm.setThreadsCount === "function") wasm.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
  await tf.ready();
  return {
    tf,
    info: {
      core: tf.version_core,
      backendWasm: wasm.version_wasm,
      backend: tf.getBackend(),
      simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
      multithreadSupported: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
      threads: typeof wasm.getThreadsCount === "function" ? wasm.getThreadsCount() : null,
      wasmDir,
    },
  };
}
