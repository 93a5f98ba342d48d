// The threads of the WASM backend: N − 1 workers (worker_threads in Node, Web Workers in a
// browser) that each instantiate the kernels over the backend's shared memory. An op stays
// synchronous: the calling thread writes the op's parts (one kernel call each) into a shared
// job table, wakes the workers it needs through their slots of a shared Int32Array, and then
// every thread, the calling one included, claims parts until none is left; the caller sleeps
// on the pending count until the last part is done. Parts are claimed, not assigned, so a
// thread the OS has descheduled holds nobody up; which thread runs a part never changes what
// the part computes, so results do not depend on the claiming. No message is posted per op.
import type { KernelExports } from "@betavae/kernels";
import { OPS, type WasmKernel } from "./ops/index";

/**
 * The kernels a worker may be asked to run, by index in the job table: every op's kernel (see
 * ops/), and `add`, which sums the partial results of a split op.
 */
export const POOL_CALLS: readonly WasmKernel[] = [...new Set<WasmKernel>([...OPS.map((op) => op.kernel), "add"])];

/** Numbers a kernel call takes at most (the convolutions' 15). */
export const MAX_ARGS = 15;
const ROW = MAX_ARGS + 1;
/** The most parts one op may have (the claim word keeps the count in 16 bits). */
export const MAX_PARTS = 4096;

// Int32 slots of the control block: parts not yet finished; a failure flag (the failing
// part + 1); the stop flag; the claim word (parts << 16 | next part), which one
// compare-exchange reads and advances, so a late thread can never claim a part twice or
// one of another op; which argument is the scratch pointer, and the bytes between threads'
// scratch regions (each thread adds id × that); then one wake-up counter per thread.
const PENDING = 0, FAILED = 1, STOP = 2, CLAIM = 3, SCRATCH_ARG = 4, SCRATCH_STRIDE = 5, SLOTS = 8;

type Call = (...args: number[]) => void;

export class KernelPool {
  /** Threads that share an op, the calling one included. */
  readonly size: number;
  private readonly flags: Int32Array;
  private readonly jobs: Float64Array;
  private readonly calls: Call[];
  private disposed = false;

  private constructor(private readonly workers: WorkerHandle[], control: SharedArrayBuffer, layout: Layout, kernels: KernelExports) {
    this.size = workers.length + 1;
    this.flags = new Int32Array(control, 0, layout.flags);
    this.jobs = new Float64Array(control, layout.jobsOffset);
    this.calls = POOL_CALLS.map((name) => kernels[name] as unknown as Call);
  }

  /** Starts `threads − 1` workers over `memory` (shared) running `module`; resolves once every one is ready. */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: KernelExports): Promise<KernelPool> {
    const flags = SLOTS + threads;
    const jobsOffset = Math.ceil((flags * 4) / 8) * 8;
    const layout: Layout = {
      flags, jobsOffset, row: ROW, slots: SLOTS, pending: PENDING, failed: FAILED, stop: STOP, claim: CLAIM,
      scratchArg: SCRATCH_ARG, scratchStride: SCRATCH_STRIDE,
    };
    const control = new SharedArrayBuffer(jobsOffset + MAX_PARTS * ROW * 8);
    const workers: WorkerHandle[] = [];
    try {
      for (let id = 1; id < threads; id++) {
        workers.push(await startWorker({ id, module, memory, control, names: [...POOL_CALLS], layout }));
      }
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new KernelPool(workers, control, layout, kernels);
  }

  /**
   * Sets part `t`'s kernel call for the next `run`: the kernel at index `call` of POOL_CALLS
   * with the first MAX_ARGS numbers of `args` (a kernel ignores those past its own).
   */
  set(t: number, call: number, args: Float64Array): void {
    const r = t * ROW;
    this.jobs[r] = call;
    this.jobs.set(args, r + 1);
  }

  /**
   * Runs parts 0 … parts − 1 on every thread and returns when all are done. When the calls
   * take scratch, argument `scratchArg` holds thread 0's region and thread i uses the one
   * `i · scratchStride` bytes above it: regions belong to threads, not parts.
   */
  run(parts: number, scratchArg = -1, scratchStride = 0): void {
    if (this.disposed) throw new Error("the WASM backend's threads have been stopped (dispose)");
    if (!(parts >= 1 && parts <= MAX_PARTS)) throw new RangeError(`an op runs in 1 to ${MAX_PARTS} parts, not ${parts}`);
    const f = this.flags;
    Atomics.store(f, SCRATCH_ARG, scratchArg);
    Atomics.store(f, SCRATCH_STRIDE, scratchStride);
    Atomics.store(f, PENDING, parts);
    Atomics.store(f, CLAIM, parts << 16); // publishes the parts: claiming starts here
    const helpers = Math.min(this.size, parts) - 1;
    for (let t = 1; t <= helpers; t++) {
      Atomics.add(f, SLOTS + t, 1);
      Atomics.notify(f, SLOTS + t, 1);
    }
    let failure: unknown = null;
    for (let claim = Atomics.load(f, CLAIM); (claim & 0xffff) < claim >>> 16; claim = Atomics.load(f, CLAIM)) {
      if (Atomics.compareExchange(f, CLAIM, claim, claim + 1) !== claim) continue;
      try {
        this.runPart(claim & 0xffff);
      } catch (e) {
        failure ??= e;
      }
      Atomics.sub(f, PENDING, 1);
    }
    // Every part must finish before anyone reuses the scratch, even when one here failed.
    for (let left = Atomics.load(f, PENDING); left !== 0; left = Atomics.load(f, PENDING)) Atomics.wait(f, PENDING, left);
    if (failure !== null) throw failure;
    const failed = Atomics.exchange(f, FAILED, 0);
    if (failed !== 0) {
      const call = POOL_CALLS[this.jobs[(failed - 1) * ROW]];
      throw new Error(`kernel ${call} trapped on a worker thread (an out-of-bounds pointer or size)`);
    }
  }

  private runPart(t: number): void {
    const j = this.jobs, r = t * ROW;
    this.calls[j[r]](j[r + 1], j[r + 2], j[r + 3], j[r + 4], j[r + 5], j[r + 6], j[r + 7], j[r + 8],
      j[r + 9], j[r + 10], j[r + 11], j[r + 12], j[r + 13], j[r + 14], j[r + 15]);
  }

  /** Stops every worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.flags, STOP, 1);
    for (let t = 1; t < this.size; t++) {
      Atomics.add(this.flags, SLOTS + t, 1);
      Atomics.notify(this.flags, SLOTS + t);
    }
    for (const w of this.workers) w.terminate();
  }
}

/** Where things are in the control block; sent to every worker. */
interface Layout {
  flags: number;
  jobsOffset: number;
  row: number;
  slots: number;
  pending: number;
  failed: number;
  stop: number;
  claim: number;
  scratchArg: number;
  scratchStride: number;
}

interface WorkerInit {
  id: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  names: string[];
  layout: Layout;
}

interface WorkerHandle {
  terminate(): void;
}

/** Starts one kernel thread and waits for its "ready". Node: worker_threads, unref'd so it never keeps the process alive. */
async function startWorker(init: WorkerInit): Promise<WorkerHandle> {
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(new URL("./wasm-worker.js", import.meta.url));
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once("message", (m: unknown) => (m === "ready" ? resolve() : reject(new Error(`kernel thread ${init.id} failed to start: ${(m as { error?: string }).error ?? m}`))));
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`kernel thread ${init.id} exited with code ${code} before it was ready`)));
        worker.postMessage(init);
      });
    } catch (e) {
      void worker.terminate();
      throw e;
    }
    worker.removeAllListeners();
    worker.unref();
    return { terminate: () => void worker.terminate() };
  }
  const worker = new Worker(new URL("./wasm-worker.js", import.meta.url), { type: "module" });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = (e) => (e.data === "ready" ? resolve() : reject(new Error(`kernel thread ${init.id} failed to start: ${e.data?.error ?? e.data}`)));
    worker.onerror = (e) => reject(new Error(`kernel thread ${init.id} failed to start: ${e.message}`));
    worker.postMessage(init);
  });
  worker.onmessage = null;
  worker.onerror = null;
  return { terminate: () => worker.terminate() };
}
