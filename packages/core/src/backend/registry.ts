// Backends by name, for the CLI, tools and tests. The WebGPU backend registers itself from
// its own package.
import { relaxedSimdSupported } from "@betavae/kernels";
import type { Backend } from "./backend";
import { ReferenceBackend } from "./reference";
import { WasmBackend } from "./wasm";

export type BackendName = "reference" | "wasm" | "wasm-simd" | "wasm-relaxed";

/** Names of the backends this runtime can run ("wasm" is the best WASM variant). */
export async function backendNames(): Promise<BackendName[]> {
  const names: BackendName[] = ["reference", "wasm-simd"];
  if (await relaxedSimdSupported()) names.push("wasm-relaxed");
  return names;
}

export interface BackendOptions {
  /** Threads that share each op of a WASM backend (default 1); the reference backend runs on one. */
  threads?: number;
}

export async function createBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  const threads = options.threads ?? 1;
  switch (name) {
    case "reference": return new ReferenceBackend();
    case "wasm": return WasmBackend.create({ threads });
    case "wasm-simd": return WasmBackend.create({ variant: "simd", threads });
    case "wasm-relaxed": return WasmBackend.create({ variant: "relaxed", threads });
    default: throw new Error(`unknown backend '${name}' (choose from reference, wasm, wasm-simd, wasm-relaxed)`);
  }
}
