/// <reference types="@webgpu/types" />
// The WebGPU backend. Buffers live on the GPU; every op is encoded into one command encoder
// (one compute pass) and nothing runs until a `read` (or `flush`) submits it. Only `read`
// maps memory. `write` submits what is queued first, so it lands in issue order.
//
// Pipelines are cached by shader key (op + how its operands share GPU buffers); op parameters
// go into a ring of 256-byte uniform slots written once per submit.
import { type AdamStep, type AnyOp, Backend, COMPOSED, type Conv2dShape, type DenseShape, type DeviceBuffer, type OpTable } from "@betavae/core";
import {
  GEMMS, type GemmSchedule, MAPS, type MappedOp, PARAM_BASE, PARAM_WORDS, REDUCE_TERMS, SPLIT_CHUNK_SLOT, TILE_K, type Tile, WORKGROUP,
  gemmShader, mapShader, prelude, reduceRowsPerGroup, reduceShader, tileSide, type GemmSpec, type StridePhase, stridePhases,
  convBackwardDataPhase, convTransposeForwardPhase,
} from "./shaders";

const UNIFORM_STRIDE = 256;
const UNIFORM_CHUNK_SLOTS = 256;
const MAX_GROUPS = 65535;
/** GEMMs with at most this many columns take the narrow schedule. */
const NARROW_MAX_N = 4;
/** Split-K: workgroups to aim for, and the shortest K-chunk worth a workgroup. */
const SPLIT_TARGET_GROUPS = 128;
const SPLIT_MIN_CHUNK = 512;

export class WebGpuBuffer implements DeviceBuffer {
  constructor(readonly gpu: GPUBuffer, readonly offset: number, readonly length: number, readonly owner: WebGpuBackend) {}
}

interface UniformChunk {
  buffer: GPUBuffer;
  data: Uint32Array;
  used: number;
}

type Operands = [string, WebGpuBuffer][];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export class WebGpuBackend extends Backend<WebGpuBuffer> {
  readonly name = "webgpu";
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<number, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private readonly uniforms: UniformChunk[] = [];
  private uniformIndex = 0;
  private readonly staging = new Map<number, GPUBuffer[]>();
  /** Scratch of the multi-pass reductions, and of split-K partial products. */
  private readonly scratch: Record<"reduce" | "split", WebGpuBuffer | null> = { reduce: null, split: null };
  private retired: GPUBuffer[] = [];
  private readonly buffers = new Set<GPUBuffer>();
  private error: Error | null = null;
  /** Dispatches encoded since the backend was made (for tests and benchmarks). */
  dispatches = 0;
  /** The shader kinds compiled so far, e.g. "convT_fwd_narrow1" (which GEMM schedules ran), without their shapes. */
  readonly kinds = new Set<string>();

  constructor(readonly device: GPUDevice, readonly adapter: AdapterDescription) {
    super();
    device.addEventListener("uncapturederror", (e) => {
      this.error ??= new Error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    void device.lost.then((info) => {
      this.error ??= new Error(`WebGPU device lost: ${info.message || info.reason}`);
    });
  }

  alloc(length: number): WebGpuBuffer {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`alloc: length must be a non-negative integer, got ${length}`);
    const gpu = this.device.createBuffer({
      size: Math.max(16, Math.ceil((length * 4) / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.buffers.add(gpu);
    return new WebGpuBuffer(gpu, 0, length, this);
  }

  write(buf: DeviceBuffer, data: ArrayLike<number>, offset = 0): void {
    const own = this.own(buf, "write");
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > own.length) {
      throw new RangeError(`write: ${data.length} floats at offset ${offset} do not fit a buffer of ${own.length}`);
    }
    if (data.length === 0) return;
    this.flush(); // ops issued before this write must see the old contents
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(own.gpu, (own.offset + offset) * 4, values.buffer, values.byteOffset, values.byteLength);
  }

  async read(buf: DeviceBuffer): Promise<Float32Array> {
    const own = this.own(buf, "read");
    if (own.length === 0) {
      this.flush();
      return new Float32Array(0);
    }
    const bytes = own.length * 4;
    const size = Math.ceil(bytes / 16) * 16;
    const staging = this.stagingBuffer(size);
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    // copies need 4-byte offsets and sizes: element offsets always are
    this.encoder.copyBufferToBuffer(own.gpu, own.offset * 4, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, size);
    } catch (e) {
      throw this.error ?? e;
    }
    const out = new Float32Array(staging.getMappedRange(0, size).slice(0, bytes));
    staging.unmap();
    this.stagingPool(size).push(staging);
    if (this.error) throw this.error;
    return out;
  }

  /** Submits every op issued so far (a read does this itself). */
  flush(): void {
    this.endPass();
    if (!this.encoder) return;
    for (let c = 0; c <= this.uniformIndex && c < this.uniforms.length; c++) {
      const chunk = this.uniforms[c];
      if (chunk.used === 0) continue;
      this.device.queue.writeBuffer(chunk.buffer, 0, chunk.data.buffer, 0, chunk.used * UNIFORM_STRIDE);
      chunk.used = 0;
    }
    this.uniformIndex = 0;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    for (const b of this.retired) b.destroy();
    this.retired = [];
  }

  /** Waits until the GPU has run everything submitted. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    if (this.error) throw this.error;
  }

  override dispose(): void {
    this.flush();
    for (const b of this.buffers) b.destroy();
    this.buffers.clear();
    for (const pool of this.staging.values()) for (const b of pool) b.destroy();
    this.staging.clear();
    for (const c of this.uniforms) c.buffer.destroy();
    this.device.destroy();
  }

  protected isOwn(buf: DeviceBuffer): buf is WebGpuBuffer {
    return buf instanceof WebGpuBuffer && buf.owner === this;
  }

  protected subBufferImpl(buf: WebGpuBuffer, offset: number, length: number): WebGpuBuffer {
    return new WebGpuBuffer(buf.gpu, buf.offset + offset, length, this);
  }

  // ── encoding ────────────────────────────────────────────────────────────────
  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private stagingPool(size: number): GPUBuffer[] {
    let pool = this.staging.get(size);
    if (!pool) this.staging.set(size, (pool = []));
    return pool;
  }

  private stagingBuffer(size: number): GPUBuffer {
    return this.stagingPool(size).pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  private layout(slots: number) {
    let l = this.layouts.get(slots);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform" } }];
      for (let s = 0; s < slots; s++) entries.push({ binding: s + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } });
      const group = this.device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(slots, l);
    }
    return l;
  }

  private pipeline(key: string, slotCount: number, source: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      p = this.device.createComputePipeline({ layout: this.layout(slotCount).pipeline, compute: { module, entryPoint: "main" }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** A uniform slot for one dispatch: its chunk and byte offset. */
  private uniformSlot(): { chunk: UniformChunk; offset: number } {
    let chunk = this.uniforms[this.uniformIndex];
    if (chunk && chunk.used === UNIFORM_CHUNK_SLOTS) chunk = this.uniforms[++this.uniformIndex];
    if (!chunk) {
      chunk = {
        buffer: this.device.createBuffer({ size: UNIFORM_CHUNK_SLOTS * UNIFORM_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
        data: new Uint32Array((UNIFORM_CHUNK_SLOTS * UNIFORM_STRIDE) / 4),
        used: 0,
      };
      this.uniforms[this.uniformIndex] = chunk;
    }
    return { chunk, offset: chunk.used++ * UNIFORM_STRIDE };
  }

  /**
   * Encodes one dispatch. `params` are words from PARAM_BASE on: numbers that are integers
   * go in as u32; wrap a value in `f32()` to pass a float.
   */
  private dispatch(kind: string, source: (operands: string[], slots: number[]) => string, operands: Operands,
    params: (number | F32)[], groups: [number, number, number?]): void {
    const distinct: GPUBuffer[] = [];
    const slots = operands.map(([, b]) => {
      let s = distinct.indexOf(b.gpu);
      if (s < 0) s = distinct.push(b.gpu) - 1;
      return s;
    });
    const names = operands.map(([n]) => n);
    const key = `${kind}|${slots.join(",")}`;
    this.kinds.add(kind.split("@")[0]);
    const pipeline = this.pipeline(key, distinct.length, () => prelude(names, slots) + source(names, slots));
    const { chunk, offset } = this.uniformSlot();
    const words = new Uint32Array(PARAM_WORDS);
    const floats = new Float32Array(words.buffer);
    operands.forEach(([, b], j) => (words[j] = b.offset));
    params.forEach((p, j) => {
      if (p instanceof F32) floats[PARAM_BASE + j] = p.value;
      else words[PARAM_BASE + j] = p;
    });
    chunk.data.set(words, offset / 4);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: chunk.buffer, offset, size: PARAM_WORDS * 4 } }];
    distinct.forEach((gpu, s) => entries.push({ binding: s + 1, resource: { buffer: gpu } }));
    const group = this.device.createBindGroup({ layout: this.layout(distinct.length).group, entries });
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    let [gx, gy] = groups;
    const gz = groups[2] ?? 1;
    if (gx > MAX_GROUPS) {
      // a long 1-D dispatch folds into 2-D; map shaders recover the index from num_workgroups
      if (gy !== 1) throw new Error(`${kind}: dispatch of ${gx}×${gy}×${gz} workgroups is too large`);
      gy = Math.ceil(gx / MAX_GROUPS);
      gx = Math.ceil(gx / gy);
    }
    if (gy > MAX_GROUPS || gz > MAX_GROUPS) throw new Error(`${kind}: dispatch of ${gx}×${gy}×${gz} workgroups is too large`);
    this.pass.dispatchWorkgroups(gx, gy, gz);
    this.dispatches++;
  }

  /** C[m, n] = Σ_k A(m, k)·B(k, n) in the schedule that suits its shape (see GemmSchedule). */
  private gemm(kind: string, operands: Operands, m: number, n: number, k: number, conv?: number[], spec = GEMMS[kind], variant = ""): void {
    const params = [m, n, k];
    // a conv's parameters (and the variant of its spec) are part of its shader, so of its pipeline's key
    const shape = conv ? `@${conv.join(",")}${variant}` : "";
    const tile: Tile = { tm: tileSide(m), tn: tileSide(n) };
    const tileKey = `_${tile.tm}x${tile.tn}`;
    const tiles = Math.ceil(m / tile.tm) * Math.ceil(n / tile.tn);
    if (n <= NARROW_MAX_N) {
      const columns = n === 1 ? 1 : n === 2 ? 2 : 4;
      const schedule: GemmSchedule = { kind: "narrow", columns };
      this.dispatch(`${kind}_narrow${columns}${shape}`, () => gemmShader(spec, schedule, conv), operands, params,
        [Math.ceil(m / WORKGROUP), 1, Math.ceil(n / columns)]);
    } else if (!spec.bias && !spec.store && tiles < SPLIT_TARGET_GROUPS && k >= 2 * SPLIT_MIN_CHUNK) {
      // each K-chunk's partial C goes to its own plane of scratch; a column sum adds them
      const wanted = Math.min(Math.ceil(SPLIT_TARGET_GROUPS / tiles), Math.floor(k / SPLIT_MIN_CHUNK));
      const chunk = Math.ceil(k / wanted / TILE_K) * TILE_K;
      const splits = Math.ceil(k / chunk);
      const partials = this.scratchBuffer("split", splits * m * n);
      const out = operands.find(([name]) => name === spec.out)![1];
      const partialOperands = operands.map(([name, buf]): [string, WebGpuBuffer] => [name, name === spec.out ? partials : buf]);
      const splitParams = [...params, ...new Array(SPLIT_CHUNK_SLOT - PARAM_BASE - params.length).fill(0), chunk];
      this.dispatch(`${kind}_split${tileKey}${shape}`, () => gemmShader(spec, { kind: "split", tile }, conv), partialOperands, splitParams,
        [Math.ceil(n / tile.tn), Math.ceil(m / tile.tm), splits]);
      this.reduce("sum", [partials], out, splits, m * n);
    } else {
      this.dispatch(`${kind}${tileKey}${shape}`, () => gemmShader(spec, { kind: "tiled", tile }, conv), operands, params,
        [Math.ceil(n / tile.tn), Math.ceil(m / tile.tm)]);
    }
  }

  private map(kind: MappedOp, operands: Operands, count: number, extra: (number | F32)[] = []): void {
    const spec = MAPS[kind];
    if (spec.operands.length !== operands.length) throw new Error(`${kind}: operand count`);
    this.dispatch(kind, () => mapShader(spec.body), operands, [count, ...extra], [Math.ceil(count / WORKGROUP), 1]);
  }

  /** A scratch region of at least `length` floats (valid until the next submit's ops run). */
  private scratchBuffer(use: "reduce" | "split", length: number): WebGpuBuffer {
    const current = this.scratch[use];
    if (current && current.length >= length) return current;
    if (current) {
      this.retired.push(current.gpu);
      this.buffers.delete(current.gpu);
    }
    return (this.scratch[use] = this.alloc(Math.max(length, 2 * (current?.length ?? 0), 4096)));
  }

  /**
   * out[c] = scale·Σ_r term(r·C + c) + offset, for r < rows and c < channels: a tree reduction
   * per workgroup, repeated over the partial sums until one workgroup covers the rows.
   */
  private reduce(term: string, inputs: WebGpuBuffer[], out: WebGpuBuffer, rows: number, channels: number, scale = 1, offset = 0): void {
    const cols = channels === 1 ? 1 : 16;
    const perGroup = reduceRowsPerGroup(cols);
    let groups = Math.ceil(rows / perGroup);
    const gx = Math.ceil(channels / cols);
    const operands = (t: string, ins: WebGpuBuffer[], dest: WebGpuBuffer): Operands =>
      [...REDUCE_TERMS[t].operands.map((n, j) => [n, ins[j]] as [string, WebGpuBuffer]), ["out", dest]];
    const pass = (t: string, ins: WebGpuBuffer[], dest: WebGpuBuffer, r: number, g: number, last: boolean) =>
      this.dispatch(`reduce_${t}_${cols}`, () => reduceShader(t, cols), operands(t, ins, dest),
        [r, channels, last ? 1 : 0, f32(last ? scale : 1), f32(last ? offset : 0)], [gx, g]);
    if (groups === 1) {
      pass(term, inputs, out, rows, 1, true);
      return;
    }
    // partial sums ping-pong between the two halves of the scratch buffer
    const half = Math.ceil((groups * channels) / 4) * 4;
    const scratch = this.scratchBuffer("reduce", 2 * half);
    const halves = [this.subBufferImpl(scratch, 0, half), this.subBufferImpl(scratch, half, half)];
    let side = 0;
    pass(term, inputs, halves[side], rows, groups, false);
    let r = groups;
    while ((groups = Math.ceil(r / perGroup)) > 1) {
      pass("sum", [halves[side]], halves[1 - side], r, groups, false);
      side = 1 - side;
      r = groups;
    }
    pass("sum", [halves[side]], out, r, 1, true);
  }

  // ── the ops, by name: a shader (or a chain of them) each, or the op's composition ──
  /** How this backend runs every op (TypeScript holds it to every op of core's OPS). */
  static readonly ops: OpTable<WebGpuBackend, WebGpuBuffer> = {
    // ── dense ───────────────────────────────────────────────────────────────────
    denseForward(be, y: WebGpuBuffer, x: WebGpuBuffer, w: WebGpuBuffer, b: WebGpuBuffer | null, s: DenseShape) {
      const ops: Operands = [["y", y], ["x", x], ["w", w]];
      if (b) ops.push(["b", b]);
      be.gemm(b ? "dense_fwd_bias" : "dense_fwd", ops, s.batch, s.outFeatures, s.inFeatures);
    },
    denseBackwardData(be, dx: WebGpuBuffer, dy: WebGpuBuffer, w: WebGpuBuffer, s: DenseShape) {
      be.gemm("dense_bwd_data", [["dx", dx], ["dy", dy], ["w", w]], s.batch, s.inFeatures, s.outFeatures);
    },
    denseBackwardWeights(be, dw: WebGpuBuffer, dy: WebGpuBuffer, x: WebGpuBuffer, s: DenseShape) {
      be.gemm("dense_bwd_weights", [["dw", dw], ["dy", dy], ["x", x]], s.inFeatures, s.outFeatures, s.batch);
    },

    // ── bias ────────────────────────────────────────────────────────────────────
    biasAdd(be, y: WebGpuBuffer, b: WebGpuBuffer, rows: number, channels: number) {
      be.map("biasAdd", [["y", y], ["b", b]], rows * channels, [channels]);
    },
    biasGrad(be, db: WebGpuBuffer, dy: WebGpuBuffer, rows: number, channels: number) {
      be.reduce("sum", [dy], db, rows, channels);
    },

    // ── convolutions: implicit GEMMs (see convEntry) ───────────────────────────────
    conv2dForward: WebGpuBackend.convEntry("conv_fwd", ["y", "x", "f"], "output", false),
    conv2dBackwardData: WebGpuBackend.convEntry("conv_bwd_data", ["dx", "dy", "f"], "input", false),
    conv2dBackwardFilter: WebGpuBackend.convEntry("conv_bwd_filter", ["df", "dy", "x"], "filter", false),
    conv2dTransposeForward: WebGpuBackend.convEntry("convT_fwd", ["y", "x", "f"], "input", true),
    conv2dTransposeBackwardData: WebGpuBackend.convEntry("convT_bwd_data", ["dx", "dy", "f"], "output", true),
    conv2dTransposeBackwardFilter: WebGpuBackend.convEntry("convT_bwd_filter", ["df", "dy", "x"], "filter", true),

    // ── elementwise ─────────────────────────────────────────────────────────────
    reluForward(be, y: WebGpuBuffer, x: WebGpuBuffer, count: number) {
      be.map("reluForward", [["y", y], ["x", x]], count);
    },
    reluBackward(be, dx: WebGpuBuffer, dy: WebGpuBuffer, y: WebGpuBuffer, count: number) {
      be.map("reluBackward", [["dx", dx], ["dy", dy], ["y", y]], count);
    },
    leakyReluForward(be, y: WebGpuBuffer, x: WebGpuBuffer, count: number, slope: number) {
      be.map("leakyReluForward", [["y", y], ["x", x]], count, [f32(slope)]);
    },
    leakyReluBackward(be, dx: WebGpuBuffer, dy: WebGpuBuffer, y: WebGpuBuffer, count: number, slope: number) {
      be.map("leakyReluBackward", [["dx", dx], ["dy", dy], ["y", y]], count, [f32(slope)]);
    },
    clampForward(be, y: WebGpuBuffer, x: WebGpuBuffer, count: number, lo: number, hi: number) {
      be.map("clampForward", [["y", y], ["x", x]], count, [f32(lo), f32(hi)]);
    },
    clampBackward(be, dx: WebGpuBuffer, dy: WebGpuBuffer, x: WebGpuBuffer, count: number, lo: number, hi: number) {
      be.map("clampBackward", [["dx", dx], ["dy", dy], ["x", x]], count, [f32(lo), f32(hi)]);
    },
    add(be, out: WebGpuBuffer, a: WebGpuBuffer, b: WebGpuBuffer, count: number) {
      be.map("add", [["out", out], ["a", a], ["b", b]], count);
    },
    sumSquares(be, out: WebGpuBuffer, x: WebGpuBuffer, count: number) {
      be.reduce("sq", [x], out, count, 1);
    },
    reparamForward(be, z: WebGpuBuffer, mu: WebGpuBuffer, logvar: WebGpuBuffer, eps: WebGpuBuffer, count: number) {
      be.map("reparamForward", [["z", z], ["mu", mu], ["lv", logvar], ["eps", eps]], count);
    },
    reparamBackward(be, dmu: WebGpuBuffer, dlogvar: WebGpuBuffer, dz: WebGpuBuffer, logvar: WebGpuBuffer, eps: WebGpuBuffer, count: number) {
      be.map("reparamBackward", [["dmu", dmu], ["dlv", dlogvar], ["dz", dz], ["lv", logvar], ["eps", eps]], count);
    },

    // ── losses ──────────────────────────────────────────────────────────────────
    bernoulliNllForward(be, loss: WebGpuBuffer, logits: WebGpuBuffer, targets: WebGpuBuffer, batch: number, pixels: number) {
      be.reduce("bernoulli", [logits, targets], loss, batch * pixels, 1, 1 / batch);
    },
    bernoulliNllBackward(be, dlogits: WebGpuBuffer, logits: WebGpuBuffer, targets: WebGpuBuffer, batch: number, pixels: number) {
      be.map("bernoulliNllBackward", [["d", dlogits], ["l", logits], ["t", targets]], batch * pixels, [f32(batch)]);
    },
    gaussianNllForward(be, loss: WebGpuBuffer, x: WebGpuBuffer, targets: WebGpuBuffer, batch: number, pixels: number, variance: number) {
      // Σ (0.5·d²/σ² + 0.5·log 2πσ²) / batch = 0.5·Σd²/(σ²·batch) + 0.5·pixels·log 2πσ² (constant in f64)
      be.reduce("diffsq", [x, targets], loss, batch * pixels, 1, 0.5 / (variance * batch), 0.5 * pixels * Math.log(2 * Math.PI * variance));
    },
    gaussianNllBackward(be, dx: WebGpuBuffer, x: WebGpuBuffer, targets: WebGpuBuffer, batch: number, pixels: number, variance: number) {
      be.map("gaussianNllBackward", [["d", dx], ["x", x], ["t", targets]], batch * pixels, [f32(variance * batch)]);
    },
    klForward(be, total: WebGpuBuffer, perLatent: WebGpuBuffer, mu: WebGpuBuffer, logvar: WebGpuBuffer, batch: number, latents: number) {
      be.reduce("kl", [mu, logvar], perLatent, batch, latents, 1 / batch);
      be.reduce("sum", [perLatent], total, latents, 1);
    },
    klBackward(be, dmu: WebGpuBuffer, dlogvar: WebGpuBuffer, mu: WebGpuBuffer, logvar: WebGpuBuffer, batch: number, latents: number, weight: number, accumulate: boolean) {
      be.map("klBackward", [["dmu", dmu], ["dlv", dlogvar], ["mu", mu], ["lv", logvar]], batch * latents,
        [f32(weight), f32(batch), accumulate ? 1 : 0]);
    },

    // ── optimiser ───────────────────────────────────────────────────────────────
    adamUpdate(be, params: WebGpuBuffer, grads: WebGpuBuffer, m: WebGpuBuffer, v: WebGpuBuffer, count: number, hp: AdamStep) {
      be.map("adamUpdate", [["p", params], ["g", grads], ["m", m], ["v", v]], count, [
        f32(hp.lr), f32(hp.beta1), f32(1 - hp.beta1), f32(hp.beta2), f32(1 - hp.beta2), f32(hp.eps),
        f32(1 - hp.beta1 ** hp.step), f32(1 - hp.beta2 ** hp.step),
      ]);
    },
    biasAddRelu: COMPOSED,
    reluBackwardBiasGrad: COMPOSED,
    bernoulliNllForwardBackward: COMPOSED,
  };

  protected runOp(op: AnyOp, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown, a5: unknown, a6: unknown, a7: unknown): void {
    this.runFromTable(WebGpuBackend.ops, op, a0, a1, a2, a3, a4, a5, a6, a7);
  }

  /**
   * A convolution op's entry: an implicit GEMM over its three tensors, bound to the shader as
   * `names`. `rows` is what the GEMM's rows run over in conv2d's terms: the output pixels (the
   * gather onto the output), the input pixels (the adjoint gather, one GEMM per stride phase)
   * or the filter's taps × input channels (the filter gradient). The transposed ops run
   * conv2d's gathers with the input and output sides exchanged.
   */
  private static convEntry(kind: string, names: readonly [string, string, string], rows: "output" | "input" | "filter", transposed: boolean) {
    return (be: WebGpuBackend, t0: WebGpuBuffer, t1: WebGpuBuffer, t2: WebGpuBuffer, s: Conv2dShape): void => {
      const operands: Operands = [[names[0], t0], [names[1], t1], [names[2], t2]];
      const cin = transposed ? s.outChannels : s.inChannels, cout = transposed ? s.inChannels : s.outChannels;
      if (rows === "input") {
        const qh = transposed ? s.outHeight : s.inHeight, qw = transposed ? s.outWidth : s.inWidth;
        be.phasedConv(kind, transposed ? convTransposeForwardPhase : convBackwardDataPhase, operands, s, qh, qw, cin, cout);
        return;
      }
      const pixels = s.batch * (transposed ? s.inHeight * s.inWidth : s.outHeight * s.outWidth);
      const filterRows = s.kernelHeight * s.kernelWidth * cin;
      if (rows === "output") be.gemm(kind, operands, pixels, cout, filterRows, convParams(s));
      else be.gemm(kind, operands, filterRows, cout, pixels, convParams(s));
    };
  }

  /** An adjoint gather onto the qh×qw grid, one GEMM per stride phase (see StridePhase). */
  private phasedConv(kind: string, phaseSpec: (p: StridePhase) => GemmSpec, operands: Operands, s: Conv2dShape,
    qh: number, qw: number, n: number, channels: number): void {
    for (const p of stridePhases(qh, qw, s.kernelHeight, s.kernelWidth, s.stride, s.pad)) {
      this.gemm(`${kind}_phase`, operands, s.batch * p.count[0] * p.count[1], n, p.taps[0] * p.taps[1] * channels, convParams(s),
        phaseSpec(p), `#${p.rh},${p.rw}`);
    }
  }
}

const convParams = (s: Conv2dShape) => [s.batch, s.inHeight, s.inWidth, s.inChannels, s.outHeight, s.outWidth, s.outChannels,
  s.kernelHeight, s.kernelWidth, s.stride, s.pad];

class F32 {
  constructor(readonly value: number) {}
}
const f32 = (value: number) => new F32(value);
