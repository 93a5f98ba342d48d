// Loads the kernel module (relaxed-SIMD build where the runtime accepts it, plain SIMD
// otherwise) into a memory the caller owns. Works in Node and in browsers. A shared memory
// gets the build compiled for one (`*-shared.wasm`), whose module other threads instantiate
// over the same memory.
import type { instantiate as instantiateTyped } from "../build/simd.js";

export type KernelVariant = "relaxed" | "simd";

/**
 * Every export of assembly/index.ts, as asc types them: the build writes build/simd.d.ts from
 * the AssemblyScript signatures, so these types cannot drift from the module. Pointers are
 * byte offsets into the memory the caller passes in (which the module imports).
 */
export type KernelExports = Omit<Awaited<ReturnType<typeof instantiateTyped>>, "memory">;

export interface KernelModule {
  variant: KernelVariant;
  exports: KernelExports;
  /** The compiled module: other threads instantiate it over the same (shared) memory. */
  module: WebAssembly.Module;
}

/** The most pages a shared memory for the kernels may declare (the shared builds' maximum). */
export const SHARED_MAXIMUM_PAGES = 65536;

const bytesCache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** The compiled module's bytes (the shared-memory build when `shared`): read from disk in Node, fetched in a browser. */
export function kernelBytes(variant: KernelVariant, shared = false): Promise<Uint8Array<ArrayBuffer>> {
  const file = `${variant}${shared ? "-shared" : ""}.wasm`;
  let bytes = bytesCache.get(file);
  if (!bytes) {
    bytes = fetchBytes(new URL(`../build/${file}`, import.meta.url));
    bytesCache.set(file, bytes);
  }
  return bytes;
}

/** Whether threads can share kernel memory here: SharedArrayBuffer exists (browsers need cross-origin isolation). */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

async function fetchBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    try {
      return new Uint8Array(await readFile(url));
    } catch {
      throw new Error(`kernel module ${url.pathname} is missing: run \`npx turbo build\` first`);
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`kernel module ${url} could not be fetched (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

let triedRelaxedFlag = false;

/**
 * Whether this runtime compiles relaxed-SIMD modules. Node 20 does so only behind
 * --experimental-wasm-relaxed-simd; setting that flag at run time works as long as it
 * happens before the first module is compiled, so we try it once.
 */
export async function relaxedSimdSupported(): Promise<boolean> {
  const bytes = await kernelBytes("relaxed");
  if (WebAssembly.validate(bytes)) return true;
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  if (isNode && !triedRelaxedFlag) {
    triedRelaxedFlag = true;
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return WebAssembly.validate(bytes);
  }
  return false;
}

/** The best variant this runtime runs: relaxed SIMD when it validates, plain SIMD otherwise. */
export async function bestVariant(): Promise<KernelVariant> {
  return (await relaxedSimdSupported()) ? "relaxed" : "simd";
}

/**
 * Instantiates a kernel module over `memory` (the caller sizes and grows it). A shared memory
 * must be declared with `shared: true` and a maximum of at most SHARED_MAXIMUM_PAGES.
 */
export async function loadKernels(memory: WebAssembly.Memory, variant?: KernelVariant): Promise<KernelModule> {
  const chosen = variant ?? (await bestVariant());
  if (chosen === "relaxed" && !(await relaxedSimdSupported())) {
    throw new Error("this runtime cannot compile relaxed-SIMD WebAssembly; use the 'simd' kernels");
  }
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const module = await WebAssembly.compile(await kernelBytes(chosen, shared));
  // The plain exports, not a loader's wrappers: a call passes its numbers straight to the
  // kernel (no argument array per call), and each function's length is its arity.
  const { exports } = await WebAssembly.instantiate(module, { env: { memory } });
  return { variant: chosen, exports: exports as unknown as KernelExports, module };
}
