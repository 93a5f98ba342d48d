// The WASM backend: the AssemblyScript SIMD kernels over one linear memory. Buffers are
// carved from the memory by a bump allocator (a model allocates its arena once and never
// frees); kernel scratch lives just above the last buffer and is reused by every op.
//
// With threads > 1 the memory is shared and a KernelPool (wasm-pool.ts) runs each large op
// on every thread at once, cut into parts by pointer arithmetic without changing a kernel:
// batch slices for convolutions and dense layers, row blocks of the weight gradient, ranges
// for elementwise ops, losses and Adam. A few parts per thread, claimed as threads come
// free, keep a descheduled thread from holding the rest up. Sums over the batch (filter and
// bias gradients, loss and norm scalars) are per-part partials added in part order, so a
// given thread count gives the same bits every run. Each thread has its own scratch region.
// Ops too small to pay for waking a thread run on the calling thread alone.
import { type KernelExports, type KernelVariant, SHARED_MAXIMUM_PAGES, loadKernels, sharedMemorySupported } from "@betavae/kernels";
import { Backend, type DeviceBuffer } from "./backend";
import type { AdamStep, Conv2dShape, DenseShape } from "./shapes";
import { KernelPool, MAX_PARTS, type PoolCall } from "./wasm-pool";

const PAGE = 65536;
const ALIGN = 16;
/** Least multiply-adds worth a part of their own: handing a part to another thread costs tens of microseconds. */
const MIN_MACS_PER_PART = 1 << 19;
/** Least floats in a part of an elementwise op, loss or Adam step. */
const MIN_FLOATS_PER_PART = 1 << 15;
/** Ranges of elementwise ops start at multiples of this many floats (whole SIMD vectors, 64-byte lines). */
const RANGE_QUANTUM = 16;
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
  private readonly minMacs: number;
  private readonly minFloats: number;

  private constructor(private readonly memory: WebAssembly.Memory, readonly kernels: KernelExports, readonly variant: KernelVariant,
    private readonly pool: KernelPool | null, splitSmallOps: boolean) {
    super();
    this.name = `wasm-${variant}`;
    this.threads = pool ? pool.size : 1;
    this.top = align(kernels.heap_base());
    this.f32 = new Float32Array(memory.buffer);
    this.minMacs = splitSmallOps ? 0 : MIN_MACS_PER_PART;
    this.minFloats = splitSmallOps ? 0 : MIN_FLOATS_PER_PART;
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

  /** Parts to cut an op into: a few per thread at most, each with at least `least` of `work`, and no more than `units`. */
  private partsFor(work: number, least: number, units: number): number {
    if (!this.pool) return 1;
    const most = Math.min(MAX_PARTS, this.threads * PARTS_PER_THREAD, units);
    return Math.max(1, Math.min(most, least > 0 ? Math.floor(work / least) : most));
  }

  /** Parts for an elementwise op over `count` floats. */
  private rangeParts(count: number): number {
    return this.partsFor(count, this.minFloats, Math.ceil(count / RANGE_QUANTUM));
  }

  /** Where part `t` of `parts` of a `count`-float range starts (part `parts` starts at `count`). */
  private rangeStart(t: number, parts: number, count: number): number {
    return Math.min(count, cut(t, parts, Math.ceil(count / RANGE_QUANTUM)) * RANGE_QUANTUM);
  }

  // ── dense: batch slices; the weight gradient in blocks of its rows ───────────
  protected denseForwardImpl(y: WasmBuffer, x: WasmBuffer, w: WasmBuffer, b: WasmBuffer | null, s: DenseShape): void {
    const k = this.kernels, { batch: n, inFeatures: fi, outFeatures: fo } = s;
    const p = this.partsFor(n * fi * fo, this.minMacs, n);
    if (p === 1) return k.dense_forward(y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, n, fi, fo, this.scratch(k.dense_scratch(n, fi, fo)));
    const stride = this.denseSliceScratch(n, p, fi, fo), base = this.threadScratch(stride, 0);
    for (let t = 0; t < p; t++) {
      const n0 = cut(t, p, n), n1 = cut(t + 1, p, n);
      this.pool!.set(t, "dense_forward", y.ptr + n0 * fo * 4, x.ptr + n0 * fi * 4, w.ptr, b ? b.ptr : 0, n1 - n0, fi, fo, base);
    }
    this.pool!.run(p, 7, stride);
  }
  protected denseBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, w: WasmBuffer, s: DenseShape): void {
    const k = this.kernels, { batch: n, inFeatures: fi, outFeatures: fo } = s;
    const p = this.partsFor(n * fi * fo, this.minMacs, n);
    if (p === 1) return k.dense_backward_data(dx.ptr, dy.ptr, w.ptr, n, fi, fo, this.scratch(k.dense_scratch(n, fi, fo)));
    const stride = this.denseSliceScratch(n, p, fi, fo), base = this.threadScratch(stride, 0);
    for (let t = 0; t < p; t++) {
      const n0 = cut(t, p, n), n1 = cut(t + 1, p, n);
      this.pool!.set(t, "dense_backward_data", dx.ptr + n0 * fi * 4, dy.ptr + n0 * fo * 4, w.ptr, n1 - n0, fi, fo, base);
    }
    this.pool!.run(p, 6, stride);
  }
  protected denseBackwardWeightsImpl(dw: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: DenseShape): void {
    const k = this.kernels, { batch: n, inFeatures: fi, outFeatures: fo } = s;
    // Rows of dW = xᵀ·dy are independent: each thread computes whole rows, so no partial sums.
    const blocks = Math.ceil(fi / 4);
    const p = this.partsFor(n * fi * fo, this.minMacs, blocks);
    if (p === 1) return k.dense_backward_weights(dw.ptr, dy.ptr, x.ptr, n, fi, fo, this.scratch(k.dense_scratch(n, fi, fo)));
    const stride = align(k.gemm_scratch(Math.min(fi, Math.ceil(blocks / p) * 4), n)), base = this.threadScratch(stride, 0);
    for (let t = 0; t < p; t++) {
      const r0 = Math.min(fi, cut(t, p, blocks) * 4), r1 = Math.min(fi, cut(t + 1, p, blocks) * 4);
      this.pool!.set(t, "gemm", dw.ptr + r0 * fo * 4, x.ptr + r0 * 4, dy.ptr, r1 - r0, fo, n, fi, fo, fo, 1, 0, 0, base);
    }
    this.pool!.run(p, 12, stride);
  }

  /** Scratch per thread for dense ops on batch slices (a GEMM's scratch is not monotonic in its rows, so take both slice sizes). */
  private denseSliceScratch(n: number, parts: number, fi: number, fo: number): number {
    const k = this.kernels;
    return align(Math.max(k.dense_scratch(Math.floor(n / parts), fi, fo), k.dense_scratch(Math.ceil(n / parts), fi, fo)));
  }

  // ── bias: row slices; the gradient as per-thread partials ────────────────────
  protected biasAddImpl(y: WasmBuffer, b: WasmBuffer, rows: number, channels: number): void {
    this.biasAddFloor(y, b, rows, channels, -Infinity);
  }
  protected override biasAddReluImpl(y: WasmBuffer, b: WasmBuffer, rows: number, channels: number): void {
    this.biasAddFloor(y, b, rows, channels, 0);
  }
  /** y = max(y + b, floor) by row blocks: −∞ for the bias alone, 0 with the ReLU fused. */
  private biasAddFloor(y: WasmBuffer, b: WasmBuffer, rows: number, channels: number, floor: number): void {
    const p = this.partsFor(rows * channels, this.minFloats, rows);
    if (p === 1) return this.kernels.bias_add(y.ptr, b.ptr, rows, channels, floor);
    for (let t = 0; t < p; t++) {
      const r0 = cut(t, p, rows), r1 = cut(t + 1, p, rows);
      this.pool!.set(t, "bias_add", y.ptr + r0 * channels * 4, b.ptr, r1 - r0, channels, floor);
    }
    this.pool!.run(p);
  }
  protected biasGradImpl(db: WasmBuffer, dy: WasmBuffer, rows: number, channels: number): void {
    this.biasGradMasked(db, dy, 0, rows, channels);
  }
  protected override reluBackwardBiasGradImpl(db: WasmBuffer, dy: WasmBuffer, y: WasmBuffer, rows: number, channels: number): void {
    this.biasGradMasked(db, dy, y.ptr, rows, channels);
  }
  /** db = Σ rows of dy, masked in place by the ReLU output at `reluOutput` (0: no mask); row blocks summed as partials. */
  private biasGradMasked(db: WasmBuffer, dy: WasmBuffer, reluOutput: number, rows: number, channels: number): void {
    const k = this.kernels;
    const p = this.partsFor(rows * channels, this.minFloats, rows);
    if (p === 1) return k.bias_grad(db.ptr, dy.ptr, rows, channels, this.scratch(k.bias_grad_scratch(channels)), reluOutput);
    const partial = align(channels * 4), stride = align(k.bias_grad_scratch(channels));
    const base = this.threadScratch(stride, (p - 1) * partial), scratch0 = base + align((p - 1) * partial);
    for (let t = 0; t < p; t++) {
      const r0 = cut(t, p, rows), r1 = cut(t + 1, p, rows), o = r0 * channels * 4;
      this.pool!.set(t, "bias_grad", t === 0 ? db.ptr : base + (t - 1) * partial, dy.ptr + o, r1 - r0, channels, scratch0, reluOutput && reluOutput + o);
    }
    this.pool!.run(p, 4, stride);
    for (let t = 1; t < p; t++) k.add(db.ptr, db.ptr, base + (t - 1) * partial, channels);
  }

  // ── convolutions: batch slices; filter gradients as per-thread partials ──────
  protected conv2dForwardImpl(y: WasmBuffer, x: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_forward", y, x, f, s, false);
  }
  protected conv2dBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_backward_data", dx, dy, f, s, false);
  }
  protected conv2dBackwardFilterImpl(df: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_backward_filter", df, dy, x, s, false);
  }
  protected conv2dTransposeForwardImpl(y: WasmBuffer, x: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_transpose_forward", y, x, f, s, true);
  }
  protected conv2dTransposeBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_transpose_backward_data", dx, dy, f, s, true);
  }
  protected conv2dTransposeBackwardFilterImpl(df: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: Conv2dShape): void {
    this.conv("conv2d_transpose_backward_filter", df, dy, x, s, true);
  }
  /**
   * Every conv kernel takes (out, a, b, n, …): `out` is y (forward), dx (data) or df (filter);
   * `a` is the other per-image tensor (x, dy, dy) and `b` the filter, or x for the filter gradient.
   */
  private conv(call: ConvCall, out: WasmBuffer, a: WasmBuffer, b: WasmBuffer, s: Conv2dShape, transposed: boolean): void {
    const k = this.kernels;
    // The transposed ops run conv2d kernels with input and output channels exchanged.
    const [cin, cout] = transposed ? [s.outChannels, s.inChannels] : [s.inChannels, s.outChannels];
    const scratchBytes = k.conv2d_scratch(cin, cout, s.kernelHeight, s.kernelWidth, s.stride);
    const inPixels = s.inHeight * s.inWidth, outPixels = s.outHeight * s.outWidth;
    const taps = s.kernelHeight * s.kernelWidth;
    const macs = s.batch * Math.min(inPixels, outPixels) * taps * s.inChannels * s.outChannels;
    const p = this.partsFor(macs, this.minMacs, s.batch);
    if (p === 1) {
      k[call](out.ptr, a.ptr, b.ptr, s.batch, s.inHeight, s.inWidth, s.inChannels, s.outHeight, s.outWidth, s.outChannels,
        s.kernelHeight, s.kernelWidth, s.stride, s.pad, this.scratch(scratchBytes));
      return;
    }
    const inImage = inPixels * s.inChannels * 4, outImage = outPixels * s.outChannels * 4;
    const role = CONV_ROLE[call];
    const [outStride, aStride, bStride] = role === "forward" ? [outImage, inImage, 0]
      : role === "data" ? [inImage, outImage, 0] : [0, outImage, inImage];
    const filterFloats = taps * s.inChannels * s.outChannels;
    const partial = role === "filter" ? align(filterFloats * 4) : 0;
    const stride = align(scratchBytes);
    const base = this.threadScratch(stride, (p - 1) * partial), scratch0 = base + align((p - 1) * partial);
    for (let t = 0; t < p; t++) {
      const n0 = cut(t, p, s.batch), n1 = cut(t + 1, p, s.batch);
      const target = role !== "filter" ? out.ptr + n0 * outStride : t === 0 ? out.ptr : base + (t - 1) * partial;
      this.pool!.set(t, call, target, a.ptr + n0 * aStride, b.ptr + n0 * bStride, n1 - n0, s.inHeight, s.inWidth, s.inChannels,
        s.outHeight, s.outWidth, s.outChannels, s.kernelHeight, s.kernelWidth, s.stride, s.pad, scratch0);
    }
    this.pool!.run(p, 14, stride);
    if (role === "filter") for (let t = 1; t < p; t++) k.add(out.ptr, out.ptr, base + (t - 1) * partial, filterFloats);
  }

  // ── elementwise and Adam: ranges ─────────────────────────────────────────────
  protected reluForwardImpl(y: WasmBuffer, x: WasmBuffer, count: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.relu_forward(y.ptr, x.ptr, count);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "relu_forward", y.ptr + o, x.ptr + o, i1 - i0);
    }
    this.pool!.run(p);
  }
  protected reluBackwardImpl(dx: WasmBuffer, dy: WasmBuffer, y: WasmBuffer, count: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.relu_backward(dx.ptr, dy.ptr, y.ptr, count);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "relu_backward", dx.ptr + o, dy.ptr + o, y.ptr + o, i1 - i0);
    }
    this.pool!.run(p);
  }
  protected subBufferImpl(buf: WasmBuffer, offset: number, length: number): WasmBuffer {
    return new WasmBuffer(buf.ptr + offset * 4, length, this);
  }
  protected clampForwardImpl(y: WasmBuffer, x: WasmBuffer, count: number, lo: number, hi: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.clamp_forward(y.ptr, x.ptr, count, lo, hi);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "clamp_forward", y.ptr + o, x.ptr + o, i1 - i0, lo, hi);
    }
    this.pool!.run(p);
  }
  protected clampBackwardImpl(dx: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, count: number, lo: number, hi: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.clamp_backward(dx.ptr, dy.ptr, x.ptr, count, lo, hi);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "clamp_backward", dx.ptr + o, dy.ptr + o, x.ptr + o, i1 - i0, lo, hi);
    }
    this.pool!.run(p);
  }
  protected addImpl(out: WasmBuffer, a: WasmBuffer, b: WasmBuffer, count: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.add(out.ptr, a.ptr, b.ptr, count);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "add", out.ptr + o, a.ptr + o, b.ptr + o, i1 - i0);
    }
    this.pool!.run(p);
  }
  protected sumSquaresImpl(out: WasmBuffer, x: WasmBuffer, count: number): void {
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.sum_squares(out.ptr, x.ptr, count);
    const base = this.threadScratch(0, p * 4);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count);
      this.pool!.set(t, "sum_squares", base + t * 4, x.ptr + i0 * 4, i1 - i0);
    }
    this.pool!.run(p);
    this.sumPartials(out, base, p);
  }
  protected reparamForwardImpl(z: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, eps: WasmBuffer, count: number): void {
    this.kernels.reparam_forward(z.ptr, mu.ptr, logvar.ptr, eps.ptr, count);
  }
  protected reparamBackwardImpl(dmu: WasmBuffer, dlogvar: WasmBuffer, dz: WasmBuffer, logvar: WasmBuffer, eps: WasmBuffer, count: number): void {
    this.kernels.reparam_backward(dmu.ptr, dlogvar.ptr, dz.ptr, logvar.ptr, eps.ptr, count);
  }

  // ── losses: ranges of whole pixel columns (the kernels scale by 1/batch, so the
  // batch stays whole and each part takes `batch × its pixels` consecutive floats) ──
  protected bernoulliNllForwardImpl(loss: WasmBuffer, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    this.bernoulliNll(loss, 0, logits, targets, batch, pixels);
  }
  protected override bernoulliNllForwardBackwardImpl(loss: WasmBuffer, dlogits: WasmBuffer, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    this.bernoulliNll(loss, dlogits.ptr, logits, targets, batch, pixels);
  }
  /** The loss, and the gradient at `dlogits` unless it is 0, by pixel columns with per-part partial sums. */
  private bernoulliNll(loss: WasmBuffer, dlogits: number, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    const p = this.partsFor(batch * pixels, this.minFloats, pixels);
    if (p === 1) return this.kernels.bernoulli_nll_forward(loss.ptr, logits.ptr, targets.ptr, batch, pixels, dlogits);
    const base = this.threadScratch(0, p * 4);
    for (let t = 0; t < p; t++) {
      const q0 = cut(t, p, pixels), q1 = cut(t + 1, p, pixels), o = q0 * batch * 4;
      this.pool!.set(t, "bernoulli_nll_forward", base + t * 4, logits.ptr + o, targets.ptr + o, batch, q1 - q0, dlogits && dlogits + o);
    }
    this.pool!.run(p);
    this.sumPartials(loss, base, p);
  }
  protected bernoulliNllBackwardImpl(dlogits: WasmBuffer, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    const p = this.partsFor(batch * pixels, this.minFloats, pixels);
    if (p === 1) return this.kernels.bernoulli_nll_backward(dlogits.ptr, logits.ptr, targets.ptr, batch, pixels);
    for (let t = 0; t < p; t++) {
      const q0 = cut(t, p, pixels), q1 = cut(t + 1, p, pixels), o = q0 * batch * 4;
      this.pool!.set(t, "bernoulli_nll_backward", dlogits.ptr + o, logits.ptr + o, targets.ptr + o, batch, q1 - q0);
    }
    this.pool!.run(p);
  }
  protected gaussianNllForwardImpl(loss: WasmBuffer, x: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number, variance: number): void {
    const p = this.partsFor(batch * pixels, this.minFloats, pixels);
    if (p === 1) return this.kernels.gaussian_nll_forward(loss.ptr, x.ptr, targets.ptr, batch, pixels, variance);
    const base = this.threadScratch(0, p * 4);
    for (let t = 0; t < p; t++) {
      // Each part also adds its pixels' share of the normalising constant, so the parts sum to the whole.
      const q0 = cut(t, p, pixels), q1 = cut(t + 1, p, pixels), o = q0 * batch * 4;
      this.pool!.set(t, "gaussian_nll_forward", base + t * 4, x.ptr + o, targets.ptr + o, batch, q1 - q0, variance);
    }
    this.pool!.run(p);
    this.sumPartials(loss, base, p);
  }
  protected gaussianNllBackwardImpl(dx: WasmBuffer, x: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number, variance: number): void {
    const p = this.partsFor(batch * pixels, this.minFloats, pixels);
    if (p === 1) return this.kernels.gaussian_nll_backward(dx.ptr, x.ptr, targets.ptr, batch, pixels, variance);
    for (let t = 0; t < p; t++) {
      const q0 = cut(t, p, pixels), q1 = cut(t + 1, p, pixels), o = q0 * batch * 4;
      this.pool!.set(t, "gaussian_nll_backward", dx.ptr + o, x.ptr + o, targets.ptr + o, batch, q1 - q0, variance);
    }
    this.pool!.run(p);
  }
  protected klForwardImpl(total: WasmBuffer, perLatent: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, batch: number, latents: number): void {
    this.kernels.kl_forward(total.ptr, perLatent.ptr, mu.ptr, logvar.ptr, batch, latents);
  }
  protected klBackwardImpl(dmu: WasmBuffer, dlogvar: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, batch: number, latents: number, weight: number, accumulate: boolean): void {
    this.kernels.kl_backward(dmu.ptr, dlogvar.ptr, mu.ptr, logvar.ptr, batch, latents, weight, accumulate ? 1 : 0);
  }
  protected adamUpdateImpl(params: WasmBuffer, grads: WasmBuffer, m: WasmBuffer, v: WasmBuffer, count: number, hp: AdamStep): void {
    const bc1 = 1 - hp.beta1 ** hp.step, bc2 = 1 - hp.beta2 ** hp.step;
    const p = this.rangeParts(count);
    if (p === 1) return this.kernels.adam_update(params.ptr, grads.ptr, m.ptr, v.ptr, count, hp.lr, hp.beta1, hp.beta2, hp.eps, bc1, bc2);
    for (let t = 0; t < p; t++) {
      const i0 = this.rangeStart(t, p, count), i1 = this.rangeStart(t + 1, p, count), o = i0 * 4;
      this.pool!.set(t, "adam_update", params.ptr + o, grads.ptr + o, m.ptr + o, v.ptr + o, i1 - i0, hp.lr, hp.beta1, hp.beta2, hp.eps, bc1, bc2);
    }
    this.pool!.run(p);
  }

  /** out[0] = the `parts` float partials at `at`, summed in part order. */
  private sumPartials(out: WasmBuffer, at: number, parts: number): void {
    const f = this.floats();
    let sum = 0;
    for (let t = 0; t < parts; t++) sum += f[(at >>> 2) + t];
    f[out.ptr >>> 2] = sum;
  }
}

type ConvCall = Extract<PoolCall, `conv2d_${string}`>;

const CONV_ROLE: Record<ConvCall, "forward" | "data" | "filter"> = {
  conv2d_forward: "forward", conv2d_backward_data: "data", conv2d_backward_filter: "filter",
  conv2d_transpose_forward: "forward", conv2d_transpose_backward_data: "data", conv2d_transpose_backward_filter: "filter",
};

/** Where part `t` of `parts` begins among `units` (balanced, in order; part `parts` begins at `units`). */
function cut(t: number, parts: number, units: number): number {
  return Math.floor((t * units) / parts);
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
