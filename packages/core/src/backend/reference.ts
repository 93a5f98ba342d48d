// The reference backend: every op as the plain loops of its definition, sums carried in
// JavaScript doubles. Slow and obviously right; the oracle the other backends are tested
// against. With precision "f64" its buffers are Float64Array, which is what the
// finite-difference gradient checks run on.
import { Backend, type DeviceBuffer } from "./backend";
import { type AnyOp, COMPOSED, type OpTable } from "./ops/index";
import type { AdamStep, Conv2dShape, DenseShape } from "./shapes";

type Storage = Float32Array | Float64Array;

export class ReferenceBuffer implements DeviceBuffer {
  constructor(readonly data: Storage, readonly owner: ReferenceBackend) {}
  get length(): number {
    return this.data.length;
  }
}

export class ReferenceBackend extends Backend<ReferenceBuffer> {
  readonly name: string;

  constructor(readonly precision: "f32" | "f64" = "f32") {
    super();
    this.name = precision === "f32" ? "reference" : "reference-f64";
  }

  alloc(length: number): ReferenceBuffer {
    return new ReferenceBuffer(this.precision === "f32" ? new Float32Array(length) : new Float64Array(length), this);
  }
  write(buf: DeviceBuffer, data: ArrayLike<number>, offset = 0): void {
    const own = this.own(buf, "write");
    if (offset < 0 || offset + data.length > own.length) {
      throw new RangeError(`write: ${data.length} floats at offset ${offset} do not fit a buffer of ${own.length}`);
    }
    own.data.set(data, offset);
  }
  async read(buf: DeviceBuffer): Promise<Float32Array> {
    return Float32Array.from(this.own(buf, "read").data);
  }
  /** The buffer's own storage (f64 precision is kept, unlike `read`). */
  view(buf: DeviceBuffer): Storage {
    return this.own(buf, "view").data;
  }
  protected isOwn(buf: DeviceBuffer): buf is ReferenceBuffer {
    return buf instanceof ReferenceBuffer && buf.owner === this;
  }
  protected subBufferImpl(buf: ReferenceBuffer, offset: number, length: number): ReferenceBuffer {
    return new ReferenceBuffer(buf.data.subarray(offset, offset + length), this);
  }

  protected runOp(op: AnyOp, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown, a5: unknown, a6: unknown, a7: unknown): void {
    this.runFromTable(REFERENCE_OPS, op, a0, a1, a2, a3, a4, a5, a6, a7);
  }
}

/** Every op as the loops of its definition; the fused ops as their compositions. */
const REFERENCE_OPS: OpTable<ReferenceBackend, ReferenceBuffer> = {
  denseForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, w: ReferenceBuffer, b: ReferenceBuffer | null, s: DenseShape) {
    const { batch, inFeatures: k, outFeatures: m } = s;
    for (let n = 0; n < batch; n++) {
      for (let j = 0; j < m; j++) {
        let sum = b ? b.data[j] : 0;
        for (let i = 0; i < k; i++) sum += x.data[n * k + i] * w.data[i * m + j];
        y.data[n * m + j] = sum;
      }
    }
  },
  denseBackwardData(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, w: ReferenceBuffer, s: DenseShape) {
    const { batch, inFeatures: k, outFeatures: m } = s;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let j = 0; j < m; j++) sum += dy.data[n * m + j] * w.data[i * m + j];
        dx.data[n * k + i] = sum;
      }
    }
  },
  denseBackwardWeights(_be, dw: ReferenceBuffer, dy: ReferenceBuffer, x: ReferenceBuffer, s: DenseShape) {
    const { batch, inFeatures: k, outFeatures: m } = s;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let n = 0; n < batch; n++) sum += x.data[n * k + i] * dy.data[n * m + j];
        dw.data[i * m + j] = sum;
      }
    }
  },

  biasAdd(_be, y: ReferenceBuffer, b: ReferenceBuffer, rows: number, channels: number) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) y.data[r * channels + c] += b.data[c];
  },
  biasGrad(_be, db: ReferenceBuffer, dy: ReferenceBuffer, rows: number, channels: number) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += dy.data[r * channels + c];
      db.data[c] = sum;
    }
  },

  // conv2d: y[n,oh,ow,co] = Σ_{i,j,ci} x[n, oh·s−pad+i, ow·s−pad+j, ci] · f[i,j,ci,co]
  conv2dForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, f: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    for (let n = 0; n < s.batch; n++) for (let oh = 0; oh < s.outHeight; oh++) for (let ow = 0; ow < s.outWidth; ow++) {
      for (let co = 0; co < s.outChannels; co++) {
        let sum = 0;
        for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
          const ih = oh * s.stride - s.pad + i, iw = ow * s.stride - s.pad + j;
          if (!t.inside(ih, iw)) continue;
          for (let ci = 0; ci < s.inChannels; ci++) sum += x.data[t.x(n, ih, iw, ci)] * f.data[t.f(i, j, ci, co)];
        }
        y.data[t.y(n, oh, ow, co)] = sum;
      }
    }
  },
  conv2dBackwardData(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, f: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    const acc = new Float64Array(s.batch * s.inHeight * s.inWidth * s.inChannels);
    for (let n = 0; n < s.batch; n++) for (let oh = 0; oh < s.outHeight; oh++) for (let ow = 0; ow < s.outWidth; ow++) {
      for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
        const ih = oh * s.stride - s.pad + i, iw = ow * s.stride - s.pad + j;
        if (!t.inside(ih, iw)) continue;
        for (let ci = 0; ci < s.inChannels; ci++) {
          for (let co = 0; co < s.outChannels; co++) acc[t.x(n, ih, iw, ci)] += dy.data[t.y(n, oh, ow, co)] * f.data[t.f(i, j, ci, co)];
        }
      }
    }
    dx.data.set(acc);
  },
  conv2dBackwardFilter(_be, df: ReferenceBuffer, dy: ReferenceBuffer, x: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
      for (let ci = 0; ci < s.inChannels; ci++) for (let co = 0; co < s.outChannels; co++) {
        let sum = 0;
        for (let n = 0; n < s.batch; n++) for (let oh = 0; oh < s.outHeight; oh++) for (let ow = 0; ow < s.outWidth; ow++) {
          const ih = oh * s.stride - s.pad + i, iw = ow * s.stride - s.pad + j;
          if (t.inside(ih, iw)) sum += x.data[t.x(n, ih, iw, ci)] * dy.data[t.y(n, oh, ow, co)];
        }
        df.data[t.f(i, j, ci, co)] = sum;
      }
    }
  },

  // transposed conv2d: y[n, ih·s−pad+i, iw·s−pad+j, co] += x[n,ih,iw,ci] · f[i,j,co,ci]
  // (positions outside y are dropped), written out from that definition, not via conv2d.
  conv2dTransposeForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, f: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    const acc = new Float64Array(s.batch * s.outHeight * s.outWidth * s.outChannels);
    for (let n = 0; n < s.batch; n++) for (let ih = 0; ih < s.inHeight; ih++) for (let iw = 0; iw < s.inWidth; iw++) {
      for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
        const oh = ih * s.stride - s.pad + i, ow = iw * s.stride - s.pad + j;
        if (!t.insideOut(oh, ow)) continue;
        for (let co = 0; co < s.outChannels; co++) {
          for (let ci = 0; ci < s.inChannels; ci++) acc[t.y(n, oh, ow, co)] += x.data[t.x(n, ih, iw, ci)] * f.data[t.fT(i, j, co, ci)];
        }
      }
    }
    y.data.set(acc);
  },
  conv2dTransposeBackwardData(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, f: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    for (let n = 0; n < s.batch; n++) for (let ih = 0; ih < s.inHeight; ih++) for (let iw = 0; iw < s.inWidth; iw++) {
      for (let ci = 0; ci < s.inChannels; ci++) {
        let sum = 0;
        for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
          const oh = ih * s.stride - s.pad + i, ow = iw * s.stride - s.pad + j;
          if (!t.insideOut(oh, ow)) continue;
          for (let co = 0; co < s.outChannels; co++) sum += dy.data[t.y(n, oh, ow, co)] * f.data[t.fT(i, j, co, ci)];
        }
        dx.data[t.x(n, ih, iw, ci)] = sum;
      }
    }
  },
  conv2dTransposeBackwardFilter(_be, df: ReferenceBuffer, dy: ReferenceBuffer, x: ReferenceBuffer, s: Conv2dShape) {
    const t = new ConvIndex(s);
    for (let i = 0; i < s.kernelHeight; i++) for (let j = 0; j < s.kernelWidth; j++) {
      for (let co = 0; co < s.outChannels; co++) for (let ci = 0; ci < s.inChannels; ci++) {
        let sum = 0;
        for (let n = 0; n < s.batch; n++) for (let ih = 0; ih < s.inHeight; ih++) for (let iw = 0; iw < s.inWidth; iw++) {
          const oh = ih * s.stride - s.pad + i, ow = iw * s.stride - s.pad + j;
          if (t.insideOut(oh, ow)) sum += dy.data[t.y(n, oh, ow, co)] * x.data[t.x(n, ih, iw, ci)];
        }
        df.data[t.fT(i, j, co, ci)] = sum;
      }
    }
  },

  reluForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, count: number) {
    for (let i = 0; i < count; i++) y.data[i] = Math.max(x.data[i], 0);
  },
  reluBackward(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, y: ReferenceBuffer, count: number) {
    for (let i = 0; i < count; i++) dx.data[i] = y.data[i] > 0 ? dy.data[i] : 0;
  },
  leakyReluForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, count: number, slope: number) {
    for (let i = 0; i < count; i++) y.data[i] = x.data[i] > 0 ? x.data[i] : slope * x.data[i];
  },
  leakyReluBackward(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, y: ReferenceBuffer, count: number, slope: number) {
    for (let i = 0; i < count; i++) dx.data[i] = y.data[i] > 0 ? dy.data[i] : slope * dy.data[i];
  },
  clampForward(_be, y: ReferenceBuffer, x: ReferenceBuffer, count: number, lo: number, hi: number) {
    for (let i = 0; i < count; i++) y.data[i] = Math.min(Math.max(x.data[i], lo), hi);
  },
  clampBackward(_be, dx: ReferenceBuffer, dy: ReferenceBuffer, x: ReferenceBuffer, count: number, lo: number, hi: number) {
    for (let i = 0; i < count; i++) dx.data[i] = x.data[i] > lo && x.data[i] < hi ? dy.data[i] : 0;
  },
  add(_be, out: ReferenceBuffer, a: ReferenceBuffer, b: ReferenceBuffer, count: number) {
    for (let i = 0; i < count; i++) out.data[i] = a.data[i] + b.data[i];
  },
  sumSquares(_be, out: ReferenceBuffer, x: ReferenceBuffer, count: number) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += x.data[i] * x.data[i];
    out.data[0] = sum;
  },
  reparamForward(_be, z: ReferenceBuffer, mu: ReferenceBuffer, logvar: ReferenceBuffer, eps: ReferenceBuffer, count: number) {
    for (let i = 0; i < count; i++) z.data[i] = mu.data[i] + Math.exp(0.5 * logvar.data[i]) * eps.data[i];
  },
  reparamBackward(_be, dmu: ReferenceBuffer, dlogvar: ReferenceBuffer, dz: ReferenceBuffer, logvar: ReferenceBuffer, eps: ReferenceBuffer, count: number) {
    for (let i = 0; i < count; i++) {
      dmu.data[i] = dz.data[i];
      dlogvar.data[i] = dz.data[i] * eps.data[i] * 0.5 * Math.exp(0.5 * logvar.data[i]);
    }
  },

  bernoulliNllForward(_be, loss: ReferenceBuffer, logits: ReferenceBuffer, targets: ReferenceBuffer, batch: number, pixels: number) {
    let sum = 0;
    for (let i = 0; i < batch * pixels; i++) {
      const l = logits.data[i];
      sum += Math.max(l, 0) - l * targets.data[i] + Math.log1p(Math.exp(-Math.abs(l)));
    }
    loss.data[0] = sum / batch;
  },
  bernoulliNllBackward(_be, dlogits: ReferenceBuffer, logits: ReferenceBuffer, targets: ReferenceBuffer, batch: number, pixels: number) {
    for (let i = 0; i < batch * pixels; i++) dlogits.data[i] = (1 / (1 + Math.exp(-logits.data[i])) - targets.data[i]) / batch;
  },
  gaussianNllForward(_be, loss: ReferenceBuffer, x: ReferenceBuffer, targets: ReferenceBuffer, batch: number, pixels: number, variance: number) {
    let sum = 0;
    for (let i = 0; i < batch * pixels; i++) {
      const d = x.data[i] - targets.data[i];
      sum += 0.5 * d * d / variance + 0.5 * Math.log(2 * Math.PI * variance);
    }
    loss.data[0] = sum / batch;
  },
  gaussianNllBackward(_be, dx: ReferenceBuffer, x: ReferenceBuffer, targets: ReferenceBuffer, batch: number, pixels: number, variance: number) {
    for (let i = 0; i < batch * pixels; i++) dx.data[i] = (x.data[i] - targets.data[i]) / (variance * batch);
  },
  klForward(_be, total: ReferenceBuffer, perLatent: ReferenceBuffer, mu: ReferenceBuffer, logvar: ReferenceBuffer, batch: number, latents: number) {
    let all = 0;
    for (let j = 0; j < latents; j++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const m = mu.data[b * latents + j], lv = logvar.data[b * latents + j];
        sum += 0.5 * (m * m + Math.exp(lv) - lv - 1);
      }
      perLatent.data[j] = sum / batch;
      all += sum / batch;
    }
    total.data[0] = all;
  },
  klBackward(_be, dmu: ReferenceBuffer, dlogvar: ReferenceBuffer, mu: ReferenceBuffer, logvar: ReferenceBuffer, batch: number, latents: number, weight: number, accumulate: boolean) {
    for (let i = 0; i < batch * latents; i++) {
      const gm = weight * mu.data[i] / batch;
      const gl = weight * 0.5 * (Math.exp(logvar.data[i]) - 1) / batch;
      dmu.data[i] = accumulate ? dmu.data[i] + gm : gm;
      dlogvar.data[i] = accumulate ? dlogvar.data[i] + gl : gl;
    }
  },

  adamUpdate(_be, params: ReferenceBuffer, grads: ReferenceBuffer, m: ReferenceBuffer, v: ReferenceBuffer, count: number, hp: AdamStep) {
    const bc1 = 1 - hp.beta1 ** hp.step, bc2 = 1 - hp.beta2 ** hp.step;
    for (let i = 0; i < count; i++) {
      const g = grads.data[i];
      m.data[i] = hp.beta1 * m.data[i] + (1 - hp.beta1) * g;
      v.data[i] = hp.beta2 * v.data[i] + (1 - hp.beta2) * g * g;
      params.data[i] -= hp.lr * (m.data[i] / bc1) / (Math.sqrt(v.data[i] / bc2) + hp.eps);
    }
  },

  biasAddRelu: COMPOSED,
  reluBackwardBiasGrad: COMPOSED,
  bernoulliNllForwardBackward: COMPOSED,
};

/** Flat NHWC / HWIO indices for one conv shape. */
class ConvIndex {
  constructor(private readonly s: Conv2dShape) {}
  inside(ih: number, iw: number): boolean {
    return ih >= 0 && ih < this.s.inHeight && iw >= 0 && iw < this.s.inWidth;
  }
  insideOut(oh: number, ow: number): boolean {
    return oh >= 0 && oh < this.s.outHeight && ow >= 0 && ow < this.s.outWidth;
  }
  x(n: number, h: number, w: number, c: number): number {
    return ((n * this.s.inHeight + h) * this.s.inWidth + w) * this.s.inChannels + c;
  }
  y(n: number, h: number, w: number, c: number): number {
    return ((n * this.s.outHeight + h) * this.s.outWidth + w) * this.s.outChannels + c;
  }
  /** conv2d filter [kh, kw, in, out]. */
  f(i: number, j: number, ci: number, co: number): number {
    return ((i * this.s.kernelWidth + j) * this.s.inChannels + ci) * this.s.outChannels + co;
  }
  /** transposed-conv filter [kh, kw, out, in]. */
  fT(i: number, j: number, co: number, ci: number): number {
    return ((i * this.s.kernelWidth + j) * this.s.outChannels + co) * this.s.inChannels + ci;
  }
}
