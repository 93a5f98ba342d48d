// The compute backend a command runs on: --backend picks it, --threads sets how many threads
// share each op of the WASM backends (a speed setting, not a model one: a run may resume
// with another count).
import { availableParallelism } from "node:os";
import { type Backend, WasmBackend } from "@betavae/core";
import { createBackendByName } from "@betavae/webgpu";
import type { FlagSpec, FlagSpecs, ParsedFlags } from "./args";

export const THREADS_FLAG: FlagSpec = {
  type: "int", min: 1, max: 1024, help: `threads sharing each op of the WASM backend (default: the available cores, ${availableParallelism()} here)`,
};

/** More threads than this many per core only add memory (each holds its own WASM instance) and switching. */
export const THREADS_PER_CORE = 4;

/** --backend and --threads, the same on every command that computes. */
export const BACKEND_FLAGS: FlagSpecs = {
  backend: {
    type: "choice", choices: ["wasm", "wasm-simd", "wasm-relaxed", "reference", "webgpu"], default: "wasm",
    help: "compute backend (webgpu falls back to wasm without an adapter)",
  },
  threads: THREADS_FLAG,
};

/** The backend --backend and --threads ask for; `warn` gets the WebGPU adapter line or why it fell back, or the cap on --threads. */
export async function openBackend(flags: ParsedFlags, warn: (line: string) => void): Promise<Backend> {
  // a WebGPU run that falls back to WASM gets the threads too
  return createBackendByName(flags.backend as string, warn, { threads: cappedThreads(flags.threads as number | undefined, warn) });
}

function cappedThreads(requested: number | undefined, warn: (line: string) => void): number {
  const cores = availableParallelism(), cap = THREADS_PER_CORE * cores;
  if (requested === undefined) return cores;
  if (requested <= cap) return requested;
  warn(`--threads ${requested} is more than ${THREADS_PER_CORE} per core: running ${cap} threads (${cores} cores here)`);
  return cap;
}

/** Threads the backend runs its ops on (1 for all but the WASM backends). */
export function threadsOf(backend: Backend): number {
  return backend instanceof WasmBackend ? backend.threads : 1;
}

/** "wasm-relaxed, 2 threads": the backend as a run's first line names it. */
export function describeBackend(backend: Backend): string {
  const threads = threadsOf(backend);
  return threads > 1 ? `${backend.name}, ${threads} threads` : backend.name;
}
