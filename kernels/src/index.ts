// Loads the kernel module (relaxed-SIMD build where the runtime accepts it, plain SIMD
// otherwise) into a memory the caller owns. Works in Node and in browsers. A shared memory
// gets the build compiled for one (`*-shared.wasm`), whose module other threads instantiate
// over the same memory.
export type KernelVariant = "relaxed" | "simd";

/** Every export of assembly/index.ts. Pointers are byte offsets into the shared memory. */
export interface KernelExports {
  heap_base(): number;
  uses_relaxed_simd(): number;
  fma_peak(iterations: number, seed: number): number;
  gemm(c: number, a: number, b: number, m: number, n: number, k: number, lda: number, ldb: number, ldc: number,
    transA: number, transB: number, accumulate: number, scratch: number): void;
  gemm_scratch(m: number, k: number): number;
  dense_scratch(n: number, k: number, m: number): number;
  dense_forward(y: number, x: number, w: number, b: number, n: number, k: number, m: number, scratch: number): void;
  dense_backward_data(dx: number, dy: number, w: number, n: number, k: number, m: number, scratch: number): void;
  dense_backward_weights(dw: number, dy: number, x: number, n: number, k: number, m: number, scratch: number): void;
  conv2d_scratch(cin: number, cout: number, kh: number, kw: number, stride: number): number;
  conv2d_forward: ConvKernel;
  conv2d_backward_data: ConvKernel;
  conv2d_backward_filter: ConvKernel;
  conv2d_transpose_forward: ConvKernel;
  conv2d_transpose_backward_data: ConvKernel;
  conv2d_transpose_backward_filter: ConvKernel;
  bias_add(y: number, b: number, rows: number, channels: number, floor: number): void;
  bias_grad_scratch(channels: number): number;
  bias_grad(db: number, dy: number, rows: number, channels: number, scratch: number, reluOutput: number): void;
  relu_forward(y: number, x: number, count: number): void;
  relu_backward(dx: number, dy: number, y: number, count: number): void;
  clamp_forward(y: number, x: number, count: number, lo: number, hi: number): void;
  clamp_backward(dx: number, dy: number, x: number, count: number, lo: number, hi: number): void;
  sum_squares(out: number, x: number, count: number): void;
  add(out: number, a: number, b: number, count: number): void;
  reparam_forward(z: number, mu: number, logvar: number, eps: number, count: number): void;
  reparam_backward(dmu: number, dlogvar: number, dz: number, logvar: number, eps: number, count: number): void;
  bernoulli_nll_forward(loss: number, logits: number, targets: number, batch: number, pixels: number, dlogits: number): void;
  bernoulli_nll_backward(dlogits: number, logits: number, targets: number, batch: number, pixels: number): void;
  gaussian_nll_forward(loss: number, x: number, targets: number, batch: number, pixels: number, variance: number): void;
  gaussian_nll_backward(dx: number, x: number, targets: number, batch: number, pixels: number, variance: number): void;
  kl_forward(total: number, perLatent: number, mu: number, logvar: number, batch: number, latents: number): void;
  kl_backward(dmu: number, dlogvar: number, mu: number, logvar: number, batch: number, latents: number,
    weight: number, accumulate: number): void;
  adam_update(params: number, grads: number, m: number, v: number, count: number,
    lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number): void;
}

/** (out, in, filter, n, h, w, cin, ho, wo, cout, kh, kw, stride, pad, scratch) — see assembly/conv.ts. */
export type ConvKernel = (out: number, a: number, b: number,
  n: number, h: number, w: number, cin: number, ho: number, wo: number, cout: number,
  kh: number, kw: number, stride: number, pad: number, scratch: number) => void;

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
