// The backend interface. A backend owns its memory; ops take buffer handles and shapes,
// and this base class checks every size in TypeScript before the backend's kernel runs.
// Conventions (all backends):
//   - layouts: NHWC activations, HWIO conv filters, [kh, kw, out, in] transposed-conv filters,
//     row-major [in, out] dense weights;
//   - gradients overwrite their outputs; the one exception is klBackward with
//     accumulate = true, which adds onto the reparameterisation gradient;
//   - ops are issued in order and may run later (a GPU queues them); `read` returns the
//     buffer's contents once everything issued before it has run.
import {
  type AdamStep, type Conv2dShape, type DenseShape, ShapeError,
  checkConv2dShape, checkConv2dTransposeShape, conv2dSizes,
} from "./shapes";

export interface DeviceBuffer {
  /** Number of float32 elements. */
  readonly length: number;
}

export abstract class Backend<B extends DeviceBuffer = DeviceBuffer> {
  abstract readonly name: string;

  /** A new zero-filled buffer of `length` floats. */
  abstract alloc(length: number): B;
  /** Copies `data` into `buf` starting at element `offset`. */
  abstract write(buf: DeviceBuffer, data: ArrayLike<number>, offset?: number): void;
  /** A copy of the buffer's contents, after every op issued so far has run. */
  abstract read(buf: DeviceBuffer): Promise<Float32Array>;
  /**
   * A view of `length` floats of `buf` starting at element `offset`: ops on it read and write
   * the parent's memory. This is how a model carves one arena into tensors.
   */
  subBuffer(buf: DeviceBuffer, offset: number, length: number): B {
    const own = this.own(buf, "subBuffer");
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > buf.length) {
      throw new ShapeError(`subBuffer: [${offset}, ${offset + length}) does not fit a buffer of ${buf.length}`);
    }
    return this.subBufferImpl(own, offset, length);
  }
  /** Releases everything the backend holds. */
  dispose(): void {}

  protected abstract isOwn(buf: DeviceBuffer): buf is B;

  /** `buf` as this backend's buffer type, or a ShapeError naming `op`. */
  protected own(buf: DeviceBuffer, op: string): B {
    if (!this.isOwn(buf)) throw new ShapeError(`${op}: the buffer is not a buffer of the ${this.name} backend`);
    return buf;
  }

  protected check(op: string, checks: [DeviceBuffer | null, number, string][]): void {
    for (const [buf, need, what] of checks) {
      if (buf === null) continue;
      if (!this.isOwn(buf)) throw new ShapeError(`${op}: ${what} is not a buffer of the ${this.name} backend`);
      if (buf.length < need) throw new ShapeError(`${op}: ${what} holds ${buf.length} floats, needs ${need}`);
    }
  }

  private checkCount(op: string, value: number, what: string): void {
    if (!Number.isInteger(value) || value < 1) throw new ShapeError(`${op}: ${what} must be a positive integer, got ${value}`);
  }

  private checkDense(op: string, s: DenseShape): void {
    this.checkCount(op, s.batch, "batch");
    this.checkCount(op, s.inFeatures, "inFeatures");
    this.checkCount(op, s.outFeatures, "outFeatures");
  }

  // ── dense ───────────────────────────────────────────────────────────────────
  /** y = x·W + b (b may be null). */
  denseForward(y: B, x: B, w: B, b: B | null, s: DenseShape): void {
    this.checkDense("denseForward", s);
    this.check("denseForward", [[y, s.batch * s.outFeatures, "y"], [x, s.batch * s.inFeatures, "x"],
      [w, s.inFeatures * s.outFeatures, "W"], [b, s.outFeatures, "b"]]);
    this.denseForwardImpl(y, x, w, b, s);
  }
  /** dx = dy·Wᵀ. */
  denseBackwardData(dx: B, dy: B, w: B, s: DenseShape): void {
    this.checkDense("denseBackwardData", s);
    this.check("denseBackwardData", [[dx, s.batch * s.inFeatures, "dx"], [dy, s.batch * s.outFeatures, "dy"],
      [w, s.inFeatures * s.outFeatures, "W"]]);
    this.denseBackwardDataImpl(dx, dy, w, s);
  }
  /** dW = xᵀ·dy. */
  denseBackwardWeights(dw: B, dy: B, x: B, s: DenseShape): void {
    this.checkDense("denseBackwardWeights", s);
    this.check("denseBackwardWeights", [[dw, s.inFeatures * s.outFeatures, "dW"], [dy, s.batch * s.outFeatures, "dy"],
      [x, s.batch * s.inFeatures, "x"]]);
    this.denseBackwardWeightsImpl(dw, dy, x, s);
  }

  // ── bias (rows × channels, channels fastest) ────────────────────────────────
  /** y[r][c] += b[c]. */
  biasAdd(y: B, b: B, rows: number, channels: number): void {
    this.checkCount("biasAdd", rows, "rows");
    this.checkCount("biasAdd", channels, "channels");
    this.check("biasAdd", [[y, rows * channels, "y"], [b, channels, "b"]]);
    this.biasAddImpl(y, b, rows, channels);
  }
  /** db[c] = Σ_r dy[r][c]. */
  biasGrad(db: B, dy: B, rows: number, channels: number): void {
    this.checkCount("biasGrad", rows, "rows");
    this.checkCount("biasGrad", channels, "channels");
    this.check("biasGrad", [[db, channels, "db"], [dy, rows * channels, "dy"]]);
    this.biasGradImpl(db, dy, rows, channels);
  }
  /** y[r][c] = max(y[r][c] + b[c], 0): a bias and the ReLU after it (one pass where the backend fuses them). */
  biasAddRelu(y: B, b: B, rows: number, channels: number): void {
    this.checkCount("biasAddRelu", rows, "rows");
    this.checkCount("biasAddRelu", channels, "channels");
    this.check("biasAddRelu", [[y, rows * channels, "y"], [b, channels, "b"]]);
    this.biasAddReluImpl(y, b, rows, channels);
  }
  /** dy ← dy·[y > 0] in place (the ReLU's backward, y its output), then db[c] = Σ_r dy[r][c]. */
  reluBackwardBiasGrad(db: B, dy: B, y: B, rows: number, channels: number): void {
    this.checkCount("reluBackwardBiasGrad", rows, "rows");
    this.checkCount("reluBackwardBiasGrad", channels, "channels");
    this.check("reluBackwardBiasGrad", [[db, channels, "db"], [dy, rows * channels, "dy"], [y, rows * channels, "y"]]);
    this.reluBackwardBiasGradImpl(db, dy, y, rows, channels);
  }

  // ── conv2d ──────────────────────────────────────────────────────────────────
  conv2dForward(y: B, x: B, f: B, s: Conv2dShape): void {
    this.checkConv("conv2dForward", s, false, y, x, f);
    this.conv2dForwardImpl(y, x, f, s);
  }
  conv2dBackwardData(dx: B, dy: B, f: B, s: Conv2dShape): void {
    this.checkConv("conv2dBackwardData", s, false, dy, dx, f);
    this.conv2dBackwardDataImpl(dx, dy, f, s);
  }
  conv2dBackwardFilter(df: B, dy: B, x: B, s: Conv2dShape): void {
    this.checkConv("conv2dBackwardFilter", s, false, dy, x, df);
    this.conv2dBackwardFilterImpl(df, dy, x, s);
  }
  conv2dTransposeForward(y: B, x: B, f: B, s: Conv2dShape): void {
    this.checkConv("conv2dTransposeForward", s, true, y, x, f);
    this.conv2dTransposeForwardImpl(y, x, f, s);
  }
  conv2dTransposeBackwardData(dx: B, dy: B, f: B, s: Conv2dShape): void {
    this.checkConv("conv2dTransposeBackwardData", s, true, dy, dx, f);
    this.conv2dTransposeBackwardDataImpl(dx, dy, f, s);
  }
  conv2dTransposeBackwardFilter(df: B, dy: B, x: B, s: Conv2dShape): void {
    this.checkConv("conv2dTransposeBackwardFilter", s, true, dy, x, df);
    this.conv2dTransposeBackwardFilterImpl(df, dy, x, s);
  }

  private checkConv(op: string, s: Conv2dShape, transposed: boolean, output: B, input: B, filter: B): void {
    if (transposed) checkConv2dTransposeShape(s, op);
    else checkConv2dShape(s, op);
    const n = conv2dSizes(s);
    this.check(op, [[output, n.output, "output-side tensor"], [input, n.input, "input-side tensor"], [filter, n.filter, "filter"]]);
  }

  // ── elementwise ─────────────────────────────────────────────────────────────
  /** y = max(x, 0). */
  reluForward(y: B, x: B, count: number): void {
    this.checkCount("reluForward", count, "count");
    this.check("reluForward", [[y, count, "y"], [x, count, "x"]]);
    this.reluForwardImpl(y, x, count);
  }
  /** dx = dy where y > 0, else 0 (dx may be dy). */
  reluBackward(dx: B, dy: B, y: B, count: number): void {
    this.checkCount("reluBackward", count, "count");
    this.check("reluBackward", [[dx, count, "dx"], [dy, count, "dy"], [y, count, "y"]]);
    this.reluBackwardImpl(dx, dy, y, count);
  }
  /** y = min(max(x, lo), hi). */
  clampForward(y: B, x: B, count: number, lo: number, hi: number): void {
    this.checkCount("clampForward", count, "count");
    if (!(lo < hi)) throw new ShapeError(`clampForward: lo ${lo} must be below hi ${hi}`);
    this.check("clampForward", [[y, count, "y"], [x, count, "x"]]);
    this.clampForwardImpl(y, x, count, lo, hi);
  }
  /** dx = dy where lo < x < hi, else 0 (dx may be dy). */
  clampBackward(dx: B, dy: B, x: B, count: number, lo: number, hi: number): void {
    this.checkCount("clampBackward", count, "count");
    if (!(lo < hi)) throw new ShapeError(`clampBackward: lo ${lo} must be below hi ${hi}`);
    this.check("clampBackward", [[dx, count, "dx"], [dy, count, "dy"], [x, count, "x"]]);
    this.clampBackwardImpl(dx, dy, x, count, lo, hi);
  }
  /** out = a + b (out may be a or b). */
  add(out: B, a: B, b: B, count: number): void {
    this.checkCount("add", count, "count");
    this.check("add", [[out, count, "out"], [a, count, "a"], [b, count, "b"]]);
    this.addImpl(out, a, b, count);
  }
  /** out[0] = Σ x² (non-finite when any x is). */
  sumSquares(out: B, x: B, count: number): void {
    this.checkCount("sumSquares", count, "count");
    this.check("sumSquares", [[out, 1, "out"], [x, count, "x"]]);
    this.sumSquaresImpl(out, x, count);
  }
  /** z = μ + exp(lv/2)·ε. */
  reparamForward(z: B, mu: B, logvar: B, eps: B, count: number): void {
    this.checkCount("reparamForward", count, "count");
    this.check("reparamForward", [[z, count, "z"], [mu, count, "mu"], [logvar, count, "logvar"], [eps, count, "eps"]]);
    this.reparamForwardImpl(z, mu, logvar, eps, count);
  }
  /** dmu = dz; dlogvar = dz·ε·exp(lv/2)/2. */
  reparamBackward(dmu: B, dlogvar: B, dz: B, logvar: B, eps: B, count: number): void {
    this.checkCount("reparamBackward", count, "count");
    this.check("reparamBackward", [[dmu, count, "dmu"], [dlogvar, count, "dlogvar"], [dz, count, "dz"],
      [logvar, count, "logvar"], [eps, count, "eps"]]);
    this.reparamBackwardImpl(dmu, dlogvar, dz, logvar, eps, count);
  }

  // ── losses ──────────────────────────────────────────────────────────────────
  /** loss[0] = Bernoulli NLL of targets under logits, summed over pixels, mean over the batch. */
  bernoulliNllForward(loss: B, logits: B, targets: B, batch: number, pixels: number): void {
    this.checkLoss("bernoulliNllForward", batch, pixels, loss, logits, targets);
    this.bernoulliNllForwardImpl(loss, logits, targets, batch, pixels);
  }
  /** Both of the above at once: the loss and its gradient (one pass where the backend fuses them). */
  bernoulliNllForwardBackward(loss: B, dlogits: B, logits: B, targets: B, batch: number, pixels: number): void {
    this.checkLoss("bernoulliNllForwardBackward", batch, pixels, loss, logits, targets, dlogits);
    this.bernoulliNllForwardBackwardImpl(loss, dlogits, logits, targets, batch, pixels);
  }
  /** dlogits = (sigmoid(logits) − targets) / batch. */
  bernoulliNllBackward(dlogits: B, logits: B, targets: B, batch: number, pixels: number): void {
    this.checkLoss("bernoulliNllBackward", batch, pixels, null, logits, targets, dlogits);
    this.bernoulliNllBackwardImpl(dlogits, logits, targets, batch, pixels);
  }
  /** loss[0] = Gaussian NLL with fixed variance, summed over pixels, mean over the batch. */
  gaussianNllForward(loss: B, x: B, targets: B, batch: number, pixels: number, variance: number): void {
    this.checkLoss("gaussianNllForward", batch, pixels, loss, x, targets);
    this.checkVariance("gaussianNllForward", variance);
    this.gaussianNllForwardImpl(loss, x, targets, batch, pixels, variance);
  }
  /** dx = (x − targets) / (variance·batch). */
  gaussianNllBackward(dx: B, x: B, targets: B, batch: number, pixels: number, variance: number): void {
    this.checkLoss("gaussianNllBackward", batch, pixels, null, x, targets, dx);
    this.checkVariance("gaussianNllBackward", variance);
    this.gaussianNllBackwardImpl(dx, x, targets, batch, pixels, variance);
  }
  /** total[0] = KL(q ‖ N(0, I)) summed over latents, mean over batch; perLatent[j] = its batch mean. */
  klForward(total: B, perLatent: B, mu: B, logvar: B, batch: number, latents: number): void {
    this.checkCount("klForward", batch, "batch");
    this.checkCount("klForward", latents, "latents");
    this.check("klForward", [[total, 1, "total"], [perLatent, latents, "perLatent"],
      [mu, batch * latents, "mu"], [logvar, batch * latents, "logvar"]]);
    this.klForwardImpl(total, perLatent, mu, logvar, batch, latents);
  }
  /** Gradient of weight·KL into dmu, dlogvar (added to what they hold when accumulate). */
  klBackward(dmu: B, dlogvar: B, mu: B, logvar: B, batch: number, latents: number, weight: number, accumulate: boolean): void {
    this.checkCount("klBackward", batch, "batch");
    this.checkCount("klBackward", latents, "latents");
    if (!Number.isFinite(weight)) throw new ShapeError(`klBackward: weight must be finite, got ${weight}`);
    const count = batch * latents;
    this.check("klBackward", [[dmu, count, "dmu"], [dlogvar, count, "dlogvar"], [mu, count, "mu"], [logvar, count, "logvar"]]);
    this.klBackwardImpl(dmu, dlogvar, mu, logvar, batch, latents, weight, accumulate);
  }

  // ── optimiser ───────────────────────────────────────────────────────────────
  /** One bias-corrected Adam step on `count` parameters (eps added to sqrt(v̂)). */
  adamUpdate(params: B, grads: B, m: B, v: B, count: number, hp: AdamStep): void {
    this.checkCount("adamUpdate", count, "count");
    this.checkCount("adamUpdate", hp.step, "step");
    this.check("adamUpdate", [[params, count, "params"], [grads, count, "grads"], [m, count, "m"], [v, count, "v"]]);
    this.adamUpdateImpl(params, grads, m, v, count, hp);
  }

  private checkLoss(op: string, batch: number, pixels: number, loss: B | null, a: B, b: B, grad: B | null = null): void {
    this.checkCount(op, batch, "batch");
    this.checkCount(op, pixels, "pixels");
    const count = batch * pixels;
    this.check(op, [[loss, 1, "loss"], [a, count, "prediction"], [b, count, "targets"], [grad, count, "gradient"]]);
  }

  private checkVariance(op: string, variance: number): void {
    if (!(variance > 0) || !Number.isFinite(variance)) throw new ShapeError(`${op}: variance must be positive, got ${variance}`);
  }

  protected abstract denseForwardImpl(y: B, x: B, w: B, b: B | null, s: DenseShape): void;
  protected abstract denseBackwardDataImpl(dx: B, dy: B, w: B, s: DenseShape): void;
  protected abstract denseBackwardWeightsImpl(dw: B, dy: B, x: B, s: DenseShape): void;
  protected abstract biasAddImpl(y: B, b: B, rows: number, channels: number): void;
  protected abstract biasGradImpl(db: B, dy: B, rows: number, channels: number): void;
  /** The two ops one after the other; backends with a fused kernel override it. */
  protected biasAddReluImpl(y: B, b: B, rows: number, channels: number): void {
    this.biasAddImpl(y, b, rows, channels);
    this.reluForwardImpl(y, y, rows * channels);
  }
  protected reluBackwardBiasGradImpl(db: B, dy: B, y: B, rows: number, channels: number): void {
    this.reluBackwardImpl(dy, dy, y, rows * channels);
    this.biasGradImpl(db, dy, rows, channels);
  }
  protected abstract conv2dForwardImpl(y: B, x: B, f: B, s: Conv2dShape): void;
  protected abstract conv2dBackwardDataImpl(dx: B, dy: B, f: B, s: Conv2dShape): void;
  protected abstract conv2dBackwardFilterImpl(df: B, dy: B, x: B, s: Conv2dShape): void;
  protected abstract conv2dTransposeForwardImpl(y: B, x: B, f: B, s: Conv2dShape): void;
  protected abstract conv2dTransposeBackwardDataImpl(dx: B, dy: B, f: B, s: Conv2dShape): void;
  protected abstract conv2dTransposeBackwardFilterImpl(df: B, dy: B, x: B, s: Conv2dShape): void;
  protected abstract reluForwardImpl(y: B, x: B, count: number): void;
  protected abstract reluBackwardImpl(dx: B, dy: B, y: B, count: number): void;
  protected abstract subBufferImpl(buf: B, offset: number, length: number): B;
  protected abstract clampForwardImpl(y: B, x: B, count: number, lo: number, hi: number): void;
  protected abstract clampBackwardImpl(dx: B, dy: B, x: B, count: number, lo: number, hi: number): void;
  protected abstract addImpl(out: B, a: B, b: B, count: number): void;
  protected abstract sumSquaresImpl(out: B, x: B, count: number): void;
  protected abstract reparamForwardImpl(z: B, mu: B, logvar: B, eps: B, count: number): void;
  protected abstract reparamBackwardImpl(dmu: B, dlogvar: B, dz: B, logvar: B, eps: B, count: number): void;
  protected abstract bernoulliNllForwardImpl(loss: B, logits: B, targets: B, batch: number, pixels: number): void;
  protected abstract bernoulliNllBackwardImpl(dlogits: B, logits: B, targets: B, batch: number, pixels: number): void;
  protected bernoulliNllForwardBackwardImpl(loss: B, dlogits: B, logits: B, targets: B, batch: number, pixels: number): void {
    this.bernoulliNllForwardImpl(loss, logits, targets, batch, pixels);
    this.bernoulliNllBackwardImpl(dlogits, logits, targets, batch, pixels);
  }
  protected abstract gaussianNllForwardImpl(loss: B, x: B, targets: B, batch: number, pixels: number, variance: number): void;
  protected abstract gaussianNllBackwardImpl(dx: B, x: B, targets: B, batch: number, pixels: number, variance: number): void;
  protected abstract klForwardImpl(total: B, perLatent: B, mu: B, logvar: B, batch: number, latents: number): void;
  protected abstract klBackwardImpl(dmu: B, dlogvar: B, mu: B, logvar: B, batch: number, latents: number, weight: number, accumulate: boolean): void;
  protected abstract adamUpdateImpl(params: B, grads: B, m: B, v: B, count: number, hp: AdamStep): void;
}
