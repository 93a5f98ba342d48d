// The WASM backend: the AssemblyScript SIMD kernels over one linear memory. Buffers are
// carved from the memory by a bump allocator (a model allocates its arena once and never
// frees); kernel scratch lives just above the last buffer and is reused by every op.
//
// Every op runs as its description in ops/ says: one kernel call, whose arguments the
// description pushes onto a KernelCall (pointers, sizes, scratch, partial sums). With
// threads > 1 the memory is shared and a KernelPool (wasm-pool.ts) runs each large op on
// every thread at once, cut into parts along the extent the description names (batch slices
// for convolutions and dense layers, row blocks of the weight gradient, ranges for elementwise
// ops, losses and Adam) by pointer arithmetic, without changing a kernel. A few parts per
// thread, claimed as threads come free, keep a descheduled thread from holding the rest up.
// Sums over the split (filter and bias gradients, loss and norm scalars) are per-part
// partials added in part order, so a given thread count gives the same bits every run. Each
// thread has its own scratch region. Ops too small to pay for waking a thread run on the
// calling thread alone.
import { type KernelExports, type KernelVariant, SHARED_MAXIMUM_PAGES, loadKernels, sharedMemorySupported } from "@betavae/kernels";
import { Backend, type DeviceBuffer } from "./backend";
import type { AnyOp, WasmCall, WasmKernel } from "./ops/index";
import { KernelPool, MAX_ARGS, MAX_PARTS, POOL_CALLS } from "./wasm-pool";

const PAGE = 65536;
const ALIGN = 16;
/** Least multiply-adds worth a part of their own: handing a part to another thread costs tens of microseconds. */
const MIN_MACS_PER_PART = 1 << 19;
/** Least floats in a part of an elementwise op, loss or Adam step. */
const MIN_FLOATS_PER_PART = 1 << 15;
/** Parts per thread of a large op: enough for the others to absorb a thread the OS has paused. */
const PARTS_PER_THREAD = 4;

export class WasmBuffer implements DeviceBuffer {
  constructor(readonly ptr: number, readonly length: number, readonly owner: WasmBackend) {}
}

export interface WasmBackendOptions {
  /** "relaxed" (FMA) or "simd"; by default the best this runtime compiles. */
  variant?: KernelVariant;
  /** Memory to reserve up front, in bytes (it grows on demand beyond that). */
  initialBytes?: number;
  /**
   * Threads that share each op's work, this one included (default 1). More than one needs
   * SharedArrayBuffer (in a browser: cross-origin isolation, and a worker as the calling
   * thread, since the main thread may not block).
   */
  threads?: number;
  /** Split every op that can be split, however small: lets tests reach the threaded paths with small shapes. */
  splitSmallOps?: boolean;
}

export class WasmBackend extends Backend<WasmBuffer> {
  readonly name: string;
  /** Threads that share each op (1: the calling thread alone). */
  readonly threads: number;
  private top: number;
  private f32: Float32Array;
  /** The op being issued, and its arguments for one part. */
  private readonly call: KernelCall;
  private readonly args = new Float64Array(MAX_ARGS);

  private constructor(private readonly memory: WebAssembly.Memory, readonly kernels: KernelExports, readonly variant: KernelVariant,
    private readonly pool: KernelPool | null, splitSmallOps: boolean) {
    super();
    this.name = `wasm-${variant}`;
    this.threads = pool ? pool.size : 1;
    this.top = align(kernels.heap_base());
    this.f32 = new Float32Array(memory.buffer);
    this.call = new KernelCall(kernels, this.threads, splitSmallOps ? 0 : MIN_MACS_PER_PART, splitSmallOps ? 0 : MIN_FLOATS_PER_PART);
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    if (threads > 1 && !sharedMemorySupported()) {
      throw new Error(`${threads} threads need SharedArrayBuffer, which this runtime lacks (a browser page must be cross-origin isolated); use threads: 1`);
    }
    const pages = Math.max(16, Math.ceil((options.initialBytes ?? 16 * 2 ** 20) / PAGE));
    const memory = threads > 1
      ? new WebAssembly.Memory({ initial: pages, maximum: SHARED_MAXIMUM_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: pages });
    const module = await loadKernels(memory, options.variant);
    const pool = threads > 1 ? await KernelPool.start(threads, module.module, memory, module.exports) : null;
    return new WasmBackend(memory, module.exports, module.variant, pool, options.splitSmallOps ?? false);
  }

  /** Stops the worker threads; the backend cannot run ops after this. */
  override dispose(): void {
    this.pool?.dispose();
  }

  alloc(length: number): WasmBuffer {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`alloc: length must be a non-negative integer, got ${length}`);
    const ptr = this.top;
    this.top = align(ptr + length * 4);
    this.ensure(this.top);
    this.floats().fill(0, ptr >>> 2, (ptr >>> 2) + length); // the region may have been scratch before
    return new WasmBuffer(ptr, length, this);
  }

  write(buf: DeviceBuffer, data: ArrayLike<number>, offset = 0): void {
    const own = this.own(buf, "write");
    if (offset < 0 || offset + data.length > own.length) {
      throw new RangeError(`write: ${data.length} floats at offset ${offset} do not fit a buffer of ${own.length}`);
    }
    this.floats().set(data, (own.ptr >>> 2) + offset);
  }

  async read(buf: DeviceBuffer): Promise<Float32Array> {
    return this.view(buf).slice();
  }

  /** A live view of the buffer (valid until the memory next grows, i.e. the next alloc). */
  view(buf: DeviceBuffer): Float32Array {
    const own = this.own(buf, "view");
    return this.floats().subarray(own.ptr >>> 2, (own.ptr >>> 2) + own.length);
  }

  /** Bytes of linear memory in use by buffers. */
  get bytesAllocated(): number {
    return this.top;
  }

  protected isOwn(buf: DeviceBuffer): buf is WasmBuffer {
    return buf instanceof WasmBuffer && buf.owner === this;
  }

  protected subBufferImpl(buf: WasmBuffer, offset: number, length: number): WasmBuffer {
    return new WasmBuffer(buf.ptr + offset * 4, length, this);
  }

  private floats(): Float32Array {
    // A shared memory grows in place: the old view stays valid but too short, so compare lengths.
    const buffer = this.memory.buffer;
    if (this.f32.buffer !== buffer || this.f32.byteLength !== buffer.byteLength) this.f32 = new Float32Array(buffer);
    return this.f32;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (this.pool && have / PAGE + pages > SHARED_MAXIMUM_PAGES) {
      throw new RangeError(`the WASM backend needs ${bytes} bytes, more than a shared memory's ${SHARED_MAXIMUM_PAGES * PAGE}`);
    }
    this.memory.grow(pages);
  }

  /** A scratch region of `bytes` above every buffer, valid for one kernel call. */
  private scratch(bytes: number): number {
    this.ensure(this.top + bytes);
    return this.top;
  }

  /**
   * Scratch for a threaded op: `shared` bytes of per-part results first, then `perThread`
   * bytes for every thread (any thread may claim a part). Returns the base.
   */
  private threadScratch(perThread: number, shared: number): number {
    this.ensure(this.top + align(shared) + this.threads * align(perThread));
    return this.top;
  }

  protected runOp(op: AnyOp, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown, a5: unknown, a6: unknown, a7: unknown): void {
    const k = this.call.begin();
    (op.wasm as unknown as (k: WasmCall, ...args: unknown[]) => void)(k, a0, a1, a2, a3, a4, a5, a6, a7);
    this.dispatch(op.kernel, k);
  }

  /** Runs the call `k` holds: whole on this thread, or in parts on every thread. */
  private dispatch(kernel: WasmKernel, k: KernelCall): void {
    const run = this.kernels[kernel] as unknown as KernelFunction;
    if (k.count !== run.length) throw new Error(`kernel ${kernel} takes ${run.length} arguments; its op's description gives ${k.count}`);
    const args = this.args, parts = k.parts;
    if (parts === 1) {
      for (let i = 0; i < k.count; i++) {
        const kind = k.kind[i];
        args[i] = kind === SCRATCH ? this.scratch(k.scratchBytes) : kind === EXTENT ? k.whole : k.base[i];
      }
      run(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11],
        args[12], args[13], args[14]);
      return;
    }
    // Scratch: the partial sums first (a float per part for a scalar; a region for each part
    // but the first, which writes the output itself, for a vector), then a region per thread.
    const summed = k.sumArg >= 0, scalar = summed && k.sumFloats === 1;
    const partial = !summed ? 0 : scalar ? 4 : align(k.sumFloats * 4);
    const partials = !summed ? 0 : scalar ? parts * 4 : (parts - 1) * partial;
    const stride = k.scratchArg >= 0 ? align(k.scratchBytes) : 0;
    const base = this.threadScratch(stride, partials), scratch0 = base + align(partials);
    const call = KERNEL_INDEX[kernel], pool = this.pool!;
    for (let t = 0; t < parts; t++) {
      const e0 = k.start(t), e1 = k.start(t + 1);
      for (let i = 0; i < k.count; i++) {
        const kind = k.kind[i], v = k.base[i];
        args[i] = kind === SLICE ? (v === 0 ? 0 : v + e0 * k.unitBytes[i])
          : kind === EXTENT ? e1 - e0
          : kind === SCRATCH ? scratch0
          : kind === SUM ? (scalar ? base + t * 4 : t === 0 ? v : base + (t - 1) * partial)
          : v;
      }
      pool.set(t, call, args);
    }
    pool.run(parts, k.scratchArg, stride);
    if (!summed) return;
    const out = k.base[k.sumArg];
    if (scalar) this.sumPartials(out, base, parts);
    else for (let t = 1; t < parts; t++) this.kernels.add(out, out, base + (t - 1) * partial, k.sumFloats);
  }

  /** The float at `out` = the `parts` float partials at `at`, summed in part order in double precision. */
  private sumPartials(out: number, at: number, parts: number): void {
    const f = this.floats();
    let sum = 0;
    for (let t = 0; t < parts; t++) sum += f[(at >>> 2) + t];
    f[out >>> 2] = sum;
  }
}

type KernelFunction = (...args: number[]) => void;

/** Where each kernel sits in the pool's call table. */
const KERNEL_INDEX = Object.fromEntries(POOL_CALLS.map((name, i) => [name, i])) as Record<WasmKernel, number>;

// What each argument of a KernelCall is.
const TENSOR = 0, SLICE = 1, EXTENT = 2, VALUE = 3, SCRATCH = 4, SUM = 5;

/**
 * One kernel call as an op's description builds it (see WasmCall), reused for every op so that
 * issuing one allocates nothing.
 */
class KernelCall implements WasmCall {
  /** Arguments pushed, and for each its kind, its number (a pointer or a value) and, for a slice, its bytes per unit. */
  count = 0;
  readonly kind = new Uint8Array(MAX_ARGS);
  readonly base = new Float64Array(MAX_ARGS);
  readonly unitBytes = new Float64Array(MAX_ARGS);
  /** The split: parts, the whole extent in units, and the units parts start at multiples of. */
  parts = 1;
  whole = 0;
  private quantum = 1;
  private units = 1;
  largestPart = 0;
  smallestPart = 0;
  scratchArg = -1;
  scratchBytes = 0;
  sumArg = -1;
  sumFloats = 0;

  constructor(readonly kernels: KernelExports, private readonly threads: number, private readonly minMacs: number,
    private readonly minFloats: number) {}

  begin(): this {
    this.count = 0;
    this.parts = 1;
    this.whole = this.largestPart = this.smallestPart = 0;
    this.scratchArg = this.sumArg = -1;
    return this;
  }

  split(extent: number, work: number, cost: "floats" | "macs", quantum = 1): this {
    const units = Math.ceil(extent / quantum);
    const least = cost === "macs" ? this.minMacs : this.minFloats;
    const most = Math.min(MAX_PARTS, this.threads * PARTS_PER_THREAD, units);
    const parts = this.threads === 1 ? 1 : Math.max(1, Math.min(most, least > 0 ? Math.floor(work / least) : most));
    this.parts = parts;
    this.whole = extent;
    this.quantum = quantum;
    this.units = units;
    this.largestPart = Math.min(extent, Math.ceil(units / parts) * quantum);
    this.smallestPart = Math.min(extent, Math.floor(units / parts) * quantum);
    return this;
  }

  /** Where part `t` starts, in units (part `parts` starts at the whole extent). */
  start(t: number): number {
    return Math.min(this.whole, cut(t, this.parts, this.units) * this.quantum);
  }

  private push(kind: number, value: number): this {
    this.kind[this.count] = kind;
    this.base[this.count++] = value;
    return this;
  }
  tensor(buf: DeviceBuffer | null): this {
    return this.push(TENSOR, buf ? (buf as WasmBuffer).ptr : 0);
  }
  slice(buf: DeviceBuffer | null, floatsPerUnit: number): this {
    this.unitBytes[this.count] = floatsPerUnit * 4;
    return this.push(SLICE, buf ? (buf as WasmBuffer).ptr : 0);
  }
  extent(): this {
    return this.push(EXTENT, 0);
  }
  value(v: number): this {
    return this.push(VALUE, v);
  }
  scratch(bytes: number): this {
    this.scratchArg = this.count;
    this.scratchBytes = bytes;
    return this.push(SCRATCH, 0);
  }
  sum(buf: DeviceBuffer, floats: number): this {
    this.sumArg = this.count;
    this.sumFloats = floats;
    return this.push(SUM, (buf as WasmBuffer).ptr);
  }
}

/** Where part `t` of `parts` begins among `units` (balanced, in order; part `parts` begins at `units`). */
function cut(t: number, parts: number, units: number): number {
  return Math.floor((t * units) / parts);
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
