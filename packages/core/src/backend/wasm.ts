// The WASM backend: the AssemblyScript SIMD kernels over one linear memory. Buffers are
// carved from the memory by a bump allocator (a model allocates its arena once and never
// frees); kernel scratch lives just above the last buffer and is reused by every op.
import { type KernelExports, type KernelVariant, loadKernels } from "@betavae/kernels";
import { Backend, type DeviceBuffer } from "./backend";
import type { AdamStep, Conv2dShape, DenseShape } from "./shapes";

const PAGE = 65536;
const ALIGN = 16;

export class WasmBuffer implements DeviceBuffer {
  constructor(readonly ptr: number, readonly length: number, readonly owner: WasmBackend) {}
}

export interface WasmBackendOptions {
  /** "relaxed" (FMA) or "simd"; by default the best this runtime compiles. */
  variant?: KernelVariant;
  /** Memory to reserve up front, in bytes (it grows on demand beyond that). */
  initialBytes?: number;
}

export class WasmBackend extends Backend<WasmBuffer> {
  readonly name: string;
  private top: number;
  private f32: Float32Array;

  private constructor(private readonly memory: WebAssembly.Memory, readonly kernels: KernelExports, readonly variant: KernelVariant) {
    super();
    this.name = `wasm-${variant}`;
    this.top = align(kernels.heap_base());
    this.f32 = new Float32Array(memory.buffer);
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const pages = Math.max(16, Math.ceil((options.initialBytes ?? 16 * 2 ** 20) / PAGE));
    const memory = new WebAssembly.Memory({ initial: pages });
    const module = await loadKernels(memory, options.variant);
    return new WasmBackend(memory, module.exports, module.variant);
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
    if (this.f32.buffer !== this.memory.buffer) this.f32 = new Float32Array(this.memory.buffer);
    return this.f32;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** A scratch region of `bytes` above every buffer, valid for one kernel call. */
  private scratch(bytes: number): number {
    this.ensure(this.top + bytes);
    return this.top;
  }

  protected denseForwardImpl(y: WasmBuffer, x: WasmBuffer, w: WasmBuffer, b: WasmBuffer | null, s: DenseShape): void {
    const k = this.kernels;
    k.dense_forward(y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, s.batch, s.inFeatures, s.outFeatures, this.denseScratch(s));
  }
  protected denseBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, w: WasmBuffer, s: DenseShape): void {
    this.kernels.dense_backward_data(dx.ptr, dy.ptr, w.ptr, s.batch, s.inFeatures, s.outFeatures, this.denseScratch(s));
  }
  protected denseBackwardWeightsImpl(dw: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: DenseShape): void {
    this.kernels.dense_backward_weights(dw.ptr, dy.ptr, x.ptr, s.batch, s.inFeatures, s.outFeatures, this.denseScratch(s));
  }
  private denseScratch(s: DenseShape): number {
    return this.scratch(this.kernels.dense_scratch(s.batch, s.inFeatures, s.outFeatures));
  }

  protected biasAddImpl(y: WasmBuffer, b: WasmBuffer, rows: number, channels: number): void {
    this.kernels.bias_add(y.ptr, b.ptr, rows, channels);
  }
  protected biasGradImpl(db: WasmBuffer, dy: WasmBuffer, rows: number, channels: number): void {
    this.kernels.bias_grad(db.ptr, dy.ptr, rows, channels, this.scratch(this.kernels.bias_grad_scratch(channels)));
  }

  protected conv2dForwardImpl(y: WasmBuffer, x: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_forward, y, x, f, s, false);
  }
  protected conv2dBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_backward_data, dx, dy, f, s, false);
  }
  protected conv2dBackwardFilterImpl(df: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_backward_filter, df, dy, x, s, false);
  }
  protected conv2dTransposeForwardImpl(y: WasmBuffer, x: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_transpose_forward, y, x, f, s, true);
  }
  protected conv2dTransposeBackwardDataImpl(dx: WasmBuffer, dy: WasmBuffer, f: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_transpose_backward_data, dx, dy, f, s, true);
  }
  protected conv2dTransposeBackwardFilterImpl(df: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, s: Conv2dShape): void {
    this.conv(this.kernels.conv2d_transpose_backward_filter, df, dy, x, s, true);
  }
  private conv(kernel: KernelExports["conv2d_forward"], out: WasmBuffer, a: WasmBuffer, b: WasmBuffer, s: Conv2dShape, transposed: boolean): void {
    // The transposed ops run conv2d kernels with input and output channels exchanged.
    const [cin, cout] = transposed ? [s.outChannels, s.inChannels] : [s.inChannels, s.outChannels];
    const scratch = this.scratch(this.kernels.conv2d_scratch(cin, cout, s.kernelHeight, s.kernelWidth, s.stride));
    kernel(out.ptr, a.ptr, b.ptr, s.batch, s.inHeight, s.inWidth, s.inChannels, s.outHeight, s.outWidth, s.outChannels,
      s.kernelHeight, s.kernelWidth, s.stride, s.pad, scratch);
  }

  protected reluForwardImpl(y: WasmBuffer, x: WasmBuffer, count: number): void {
    this.kernels.relu_forward(y.ptr, x.ptr, count);
  }
  protected reluBackwardImpl(dx: WasmBuffer, dy: WasmBuffer, y: WasmBuffer, count: number): void {
    this.kernels.relu_backward(dx.ptr, dy.ptr, y.ptr, count);
  }
  protected subBufferImpl(buf: WasmBuffer, offset: number, length: number): WasmBuffer {
    return new WasmBuffer(buf.ptr + offset * 4, length, this);
  }
  protected clampForwardImpl(y: WasmBuffer, x: WasmBuffer, count: number, lo: number, hi: number): void {
    this.kernels.clamp_forward(y.ptr, x.ptr, count, lo, hi);
  }
  protected clampBackwardImpl(dx: WasmBuffer, dy: WasmBuffer, x: WasmBuffer, count: number, lo: number, hi: number): void {
    this.kernels.clamp_backward(dx.ptr, dy.ptr, x.ptr, count, lo, hi);
  }
  protected addImpl(out: WasmBuffer, a: WasmBuffer, b: WasmBuffer, count: number): void {
    this.kernels.add(out.ptr, a.ptr, b.ptr, count);
  }
  protected sumSquaresImpl(out: WasmBuffer, x: WasmBuffer, count: number): void {
    this.kernels.sum_squares(out.ptr, x.ptr, count);
  }
  protected reparamForwardImpl(z: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, eps: WasmBuffer, count: number): void {
    this.kernels.reparam_forward(z.ptr, mu.ptr, logvar.ptr, eps.ptr, count);
  }
  protected reparamBackwardImpl(dmu: WasmBuffer, dlogvar: WasmBuffer, dz: WasmBuffer, logvar: WasmBuffer, eps: WasmBuffer, count: number): void {
    this.kernels.reparam_backward(dmu.ptr, dlogvar.ptr, dz.ptr, logvar.ptr, eps.ptr, count);
  }
  protected bernoulliNllForwardImpl(loss: WasmBuffer, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    this.kernels.bernoulli_nll_forward(loss.ptr, logits.ptr, targets.ptr, batch, pixels);
  }
  protected bernoulliNllBackwardImpl(dlogits: WasmBuffer, logits: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number): void {
    this.kernels.bernoulli_nll_backward(dlogits.ptr, logits.ptr, targets.ptr, batch, pixels);
  }
  protected gaussianNllForwardImpl(loss: WasmBuffer, x: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number, variance: number): void {
    this.kernels.gaussian_nll_forward(loss.ptr, x.ptr, targets.ptr, batch, pixels, variance);
  }
  protected gaussianNllBackwardImpl(dx: WasmBuffer, x: WasmBuffer, targets: WasmBuffer, batch: number, pixels: number, variance: number): void {
    this.kernels.gaussian_nll_backward(dx.ptr, x.ptr, targets.ptr, batch, pixels, variance);
  }
  protected klForwardImpl(total: WasmBuffer, perLatent: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, batch: number, latents: number): void {
    this.kernels.kl_forward(total.ptr, perLatent.ptr, mu.ptr, logvar.ptr, batch, latents);
  }
  protected klBackwardImpl(dmu: WasmBuffer, dlogvar: WasmBuffer, mu: WasmBuffer, logvar: WasmBuffer, batch: number, latents: number, weight: number, accumulate: boolean): void {
    this.kernels.kl_backward(dmu.ptr, dlogvar.ptr, mu.ptr, logvar.ptr, batch, latents, weight, accumulate ? 1 : 0);
  }
  protected adamUpdateImpl(params: WasmBuffer, grads: WasmBuffer, m: WasmBuffer, v: WasmBuffer, count: number, hp: AdamStep): void {
    const bc1 = 1 - hp.beta1 ** hp.step, bc2 = 1 - hp.beta2 ** hp.step;
    this.kernels.adam_update(params.ptr, grads.ptr, m.ptr, v.ptr, count, hp.lr, hp.beta1, hp.beta2, hp.eps, bc1, bc2);
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
