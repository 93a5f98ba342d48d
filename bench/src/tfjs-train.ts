// The Burgess β-VAE's training step in TensorFlow.js (tfjs-backend-wasm), the peer of our
// Trainer.trainStep: the same layers built from one of our BetaVAE models, the same weights,
// and the same step: Bernoulli NLL from logits, KL, the reparameterisation with ε from our
// seeded generator, the losses read back to weigh the KL term (β, or γ·sign(KL − C)), the
// backward pass, the Σ grad² guard read back, then tfjs's Adam.
//
// The backward pass is written out in tfjs ops, as ours is in kernels: tfjs-core's Node
// bundle registers no gradient functions (tf.grad fails on the first op), and tfjs-wasm 4.22
// has no Conv2DBackpropFilter kernel anyway. The filter gradient is a stride-1 conv2d of
// transposed tensors with dilation = stride (the batch becomes the summed channel). Measured
// at the Burgess shapes this beat the other routes tfjs-wasm offers by far: im2col from
// strided slices + matMul ran at ~0.3 GFLOP/s, and Conv3DBackpropFilterV2 at depth 1 gave
// wrong values with numeric padding. Dense gradients use explicit transposes, which
// bench:kernels measured faster in tfjs-wasm than matMul's transpose flags.
//
// Transposed convolutions (the decoder's forward pass, the encoder's input gradients) run on
// tfjs's own Conv2DBackpropInput kernel, ~2 GFLOP/s here and most of tfjs's step. The
// "phases" variant builds them from conv2d instead (see conv2dTransposeByPhases), the
// fastest tfjs step we found, so the comparison is also made against that.
import {
  BURGESS_CONFIG, BetaVAE, ConvLayer, type DeviceBuffer, type Layer, LOGVAR_MAX, LOGVAR_MIN, type Objective, type OptimiserConfig,
  type ObjectiveReport, ReferenceBackend, Rng, betaReport, capacityReport, klWeightedBackward,
} from "@betavae/core";
import type { Tf } from "./tfjs";
import { relativeError } from "./timing";

type Tensor = import("@tensorflow/tfjs-core").Tensor;
type Tensor2D = import("@tensorflow/tfjs-core").Tensor2D;
type Tensor4D = import("@tensorflow/tfjs-core").Tensor4D;
type Variable = import("@tensorflow/tfjs-core").Variable;

export const FILTER_GRADIENT_ROUTE = "conv2d(transpose(x), transpose(dy), stride 1, dilation = stride)";

/**
 * dF[kh, kw, ci, co] = Σ_{n, i, j} input[n, i·s + kh − p, j·s + kw − p, ci] · grad[n, i, j, co]:
 * the filter gradient of a stride-s, pad-p convolution of `input` whose output gradient is `grad`.
 * It is a convolution over (i, j) with the batch as the summed channel: input as [ci, H, W, n]
 * images, grad as a [oh, ow, n, co] filter dilated by s.
 */
export function convFilterGradient(tf: Tf, input: Tensor4D, grad: Tensor4D, kernel: number, stride: number, pad: number): Tensor4D {
  return tf.tidy(() => {
    const images = tf.transpose(input, [3, 1, 2, 0]);
    const filter = tf.transpose(grad, [1, 2, 0, 3]);
    const full = tf.conv2d(images, filter, 1, [[0, 0], [pad, pad], [pad, pad], [0, 0]], "NHWC", stride);
    // When (size + 2·pad − kernel) is not a multiple of the stride the result has extra rows.
    const cut = full.shape[1] === kernel && full.shape[2] === kernel ? full : tf.slice(full, [0, 0, 0, 0], [-1, kernel, kernel, -1]);
    return tf.transpose(cut, [1, 2, 0, 3]);
  });
}

/** Which ops compute transposed convolutions: tfjs's conv2dTranspose, or conv2dTransposeByPhases where it applies. */
export type TransposedConvRoute = "tfjs" | "phases";

/** Kernel rows (or columns) feeding output phase 0 and 1 of a 4×4, stride-2, pad-1 transposed conv, and their padding. */
const PHASE_TAPS = [[3, 1], [2, 0]];
const PHASE_PADS: [number, number][] = [[1, 0], [0, 1]];

/**
 * A 4×4, stride-2, pad-1 transposed convolution of x [n, h, w, in] with f [4, 4, out, in],
 * as four 2×2 stride-1 conv2d (XNNPACK in tfjs-wasm), one per output phase (row and column
 * parity), interleaved by depthToSpace. Output row 2m uses input rows m−1, m with kernel
 * rows 3, 1; row 2m+1 uses rows m, m+1 with kernel rows 2, 0. No multiply is wasted on
 * zeros, unlike conv2d of a zero-upsampled input.
 */
export function conv2dTransposeByPhases(tf: Tf, x: Tensor4D, f: Tensor4D): Tensor4D {
  return tf.tidy(() => {
    const hwio = tf.transpose(f, [0, 1, 3, 2]);
    const phases: Tensor4D[] = [];
    for (let a = 0; a < 2; a++) {
      const rows = tf.gather(hwio, PHASE_TAPS[a], 0);
      for (let b = 0; b < 2; b++) {
        const filter = tf.gather(rows, PHASE_TAPS[b], 1) as Tensor4D;
        phases.push(tf.conv2d(x, filter, 1, [[0, 0], PHASE_PADS[a], PHASE_PADS[b], [0, 0]]));
      }
    }
    return tf.depthToSpace(tf.concat4d(phases, 3), 2);
  });
}

export interface TfjsStepMetrics {
  loss: number;
  recon: number;
  kl: number;
  klPerLatent: Float32Array;
  gradSquares: number;
}

/** One layer of the network in tfjs: forward, and backward given its input and (activated) output. */
interface TfjsLayer {
  weight: Variable;
  bias: Variable;
  forward(x: Tensor): Tensor;
  /** Parameter gradients and, unless `needInput` is false, the input gradient (shaped like `x`). */
  backward(dy: Tensor, x: Tensor, y: Tensor, needInput: boolean): { dx: Tensor | null; dw: Tensor; db: Tensor };
}

export class TfjsTrainer {
  /** Updates done so far. */
  step = 0;
  private readonly vars: Map<string, Variable>;
  private readonly encoder: TfjsLayer[];
  private readonly muHead: TfjsLayer;
  private readonly logvarHead: TfjsLayer;
  private readonly decoder: TfjsLayer[];
  private readonly optimizer: import("@tensorflow/tfjs-core").AdamOptimizer;
  private readonly batch: number;
  private readonly latents: number;
  private readonly imageShape: [number, number, number, number];

  /**
   * The same network as `model` (its layers' shapes and activations) with the weights in
   * `params`, a host copy of the model's parameter arena (our layouts are tfjs's: HWIO conv
   * filters, [kh, kw, out, in] transposed-conv filters, [in, out] dense weights, NHWC).
   */
  constructor(
    private readonly tf: Tf, model: BetaVAE, params: Float32Array,
    private readonly objective: Objective, optimiser: OptimiserConfig, readonly transposedConv: TransposedConvRoute = "tfjs",
  ) {
    this.vars = new Map(model.parameterLayout.map((slot) => {
      const initial = tf.tensor(params.subarray(slot.offset, slot.offset + slot.size), slot.shape);
      const v = tf.variable(initial, true, slot.name);
      initial.dispose();
      return [slot.name, v];
    }));
    this.batch = model.batch;
    this.latents = model.config.latents;
    const c = model.config;
    this.imageShape = [model.batch, c.height, c.width, c.channels];
    this.encoder = model.encoder.map((layer) => this.tfjsLayer(layer));
    this.muHead = this.tfjsLayer(model.muHead);
    this.logvarHead = this.tfjsLayer(model.logvarHead);
    this.decoder = model.decoder.map((layer) => this.tfjsLayer(layer));
    this.optimizer = tf.train.adam(optimiser.lr, optimiser.beta1, optimiser.beta2, optimiser.eps);
  }

  private variable(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`tfjs: no variable for ${name}`);
    return v;
  }

  /** A layer as tfjs ops; dense layers flatten their input, and convolutions unflatten theirs. */
  private tfjsLayer(layer: Layer): TfjsLayer {
    const tf = this.tf;
    const weight = this.variable(layer.params[0].name);
    const bias = this.variable(layer.params[1].name);
    // Forward passes use tfjs's fused bias + ReLU where it has them (dense, conv2d), as tfjs-layers does.
    const activation = layer.relu ? "relu" : "linear";
    const deactivate = (dy: Tensor, y: Tensor): Tensor => (layer.relu ? tf.mul(dy, tf.step(y)) : dy);
    if (!(layer instanceof ConvLayer)) {
      const flat = (x: Tensor): Tensor2D => tf.reshape(x, [this.batch, -1]);
      const w = weight as Tensor as Tensor2D;
      return {
        weight, bias,
        forward: (x) => tf.fused.matMul({ a: flat(x), b: w, bias, activation }),
        backward: (dyOut, x, y, needInput) => {
          const dy = deactivate(dyOut, y) as Tensor2D;
          return {
            dw: tf.matMul(tf.transpose(flat(x)), dy),
            db: tf.sum(dy, 0),
            dx: needInput ? tf.reshape(tf.matMul(dy, tf.transpose(w)), x.shape) : null,
          };
        },
      };
    }
    const s = layer.shape;
    const k = s.kernelHeight;
    const inShape: [number, number, number, number] = [s.batch, s.inHeight, s.inWidth, s.inChannels];
    const outShape: [number, number, number, number] = [s.batch, s.outHeight, s.outWidth, s.outChannels];
    const f = weight as Tensor as Tensor4D;
    const image = (x: Tensor): Tensor4D => tf.reshape(x, inShape);
    // Phases only for the Burgess geometry and for layers without a 1-channel side, where
    // they measured slower than tfjs's kernel (0.14–1.5 against 0.3–2.1 GFLOP/s).
    const byPhases = this.transposedConv === "phases" && k === 4 && s.kernelWidth === 4 && s.stride === 2 && s.pad === 1
      && Math.min(s.inChannels, s.outChannels) > 1;
    const transposedConv = (dy: Tensor4D, filter: Tensor4D, shape: [number, number, number, number]): Tensor4D =>
      (byPhases ? conv2dTransposeByPhases(tf, dy, filter) : tf.conv2dTranspose(dy, filter, shape, s.stride, s.pad));
    const forward = layer.transposed
      ? (x: Tensor): Tensor => {
        const y = tf.add(transposedConv(image(x), f, outShape), bias);
        return layer.relu ? tf.relu(y) : y;
      }
      : (x: Tensor): Tensor => tf.fused.conv2d({ x: image(x), filter: f, strides: s.stride, pad: s.pad, bias, activation });
    return {
      weight, bias, forward,
      backward: (dyOut, x, y, needInput) => {
        const dy = deactivate(dyOut, y) as Tensor4D;
        const db = tf.sum(dy, [0, 1, 2]);
        if (layer.transposed) {
          return {
            db, dw: convFilterGradient(tf, dy, image(x), k, s.stride, s.pad),
            dx: needInput ? tf.reshape(tf.conv2d(dy, f, s.stride, s.pad), x.shape) : null,
          };
        }
        return {
          db, dw: convFilterGradient(tf, image(x), dy, k, s.stride, s.pad),
          dx: needInput ? tf.reshape(transposedConv(dy, f, inShape), x.shape) : null,
        };
      },
    };
  }

  /**
   * Forward, backward and the guard's Σ grad² for a batch of images and ε: the metrics read
   * back and the gradients by parameter name (kept; the caller disposes them).
   */
  private gradients(images: Float32Array, eps: Float32Array): { metrics: TfjsStepMetrics; grads: Map<string, Tensor> } {
    const tf = this.tf;
    const B = this.batch;
    const grads = new Map<string, Tensor>();
    const metrics = tf.tidy(() => {
      const x = tf.tensor4d(images, this.imageShape);
      const e = tf.tensor2d(eps, [B, this.latents]);
      const encoderIn: Tensor[] = [];
      let h: Tensor = x;
      for (const layer of this.encoder) {
        encoderIn.push(h);
        h = layer.forward(h);
      }
      const mu = this.muHead.forward(h);
      const logvarRaw = this.logvarHead.forward(h);
      const logvar = tf.clipByValue(logvarRaw, LOGVAR_MIN, LOGVAR_MAX);
      const sigma = tf.exp(tf.mul(logvar, 0.5));
      const z = tf.add(mu, tf.mul(sigma, e));
      const decoderIn: Tensor[] = [];
      let d: Tensor = z;
      for (const layer of this.decoder) {
        decoderIn.push(d);
        d = layer.forward(d);
      }
      const logits = tf.reshape(d, this.imageShape);
      // Bernoulli NLL from logits: softplus(l) − t·l, summed over pixels, mean over the batch.
      const recon = tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(logits, x))), B);
      const expLogvar = tf.exp(logvar);
      const klPerLatent = tf.mean(tf.mul(tf.sub(tf.add(tf.square(mu), expLogvar), tf.add(logvar, 1)), 0.5), 0);
      const kl = tf.sum(klPerLatent);
      const reconValue = recon.dataSync()[0];
      const klValue = kl.dataSync()[0];
      const terms = klWeightedReport(this.objective, reconValue, klValue, this.step);

      const keep = (layer: TfjsLayer, g: { dw: Tensor; db: Tensor }): void => {
        grads.set(layer.weight.name, tf.keep(g.dw));
        grads.set(layer.bias.name, tf.keep(g.db));
      };
      let dy: Tensor = tf.div(tf.sub(tf.sigmoid(d), tf.reshape(x, d.shape)), B);
      for (let i = this.decoder.length - 1; i >= 0; i--) {
        const g = this.decoder[i].backward(dy, decoderIn[i], i === this.decoder.length - 1 ? d : decoderIn[i + 1], true);
        keep(this.decoder[i], g);
        dy = g.dx!;
      }
      // z = μ + σ·ε; KL's gradient: weight·μ/B and weight·(e^lv − 1)/(2B); then the clamp.
      const klScale = terms.klWeight / B;
      const dmu = tf.add(dy, tf.mul(mu, klScale));
      const dlogvar = tf.add(tf.mul(tf.mul(dy, tf.mul(sigma, e)), 0.5), tf.mul(tf.sub(expLogvar, 1), 0.5 * klScale));
      const inside = tf.logicalAnd(tf.greater(logvarRaw, LOGVAR_MIN), tf.less(logvarRaw, LOGVAR_MAX));
      const dlogvarRaw = tf.where(inside, dlogvar, tf.zerosLike(dlogvar));
      const gMu = this.muHead.backward(dmu, h, mu, true);
      const gLogvar = this.logvarHead.backward(dlogvarRaw, h, logvarRaw, true);
      keep(this.muHead, gMu);
      keep(this.logvarHead, gLogvar);
      dy = tf.add(gMu.dx!, gLogvar.dx!);
      for (let i = this.encoder.length - 1; i >= 0; i--) {
        const g = this.encoder[i].backward(dy, encoderIn[i], i === this.encoder.length - 1 ? h : encoderIn[i + 1], i > 0);
        keep(this.encoder[i], g);
        if (g.dx) dy = g.dx;
      }
      const gradSquares = tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))));
      return {
        loss: terms.loss, recon: reconValue, kl: klValue,
        klPerLatent: Float32Array.from(klPerLatent.dataSync() as Float32Array), gradSquares: gradSquares.dataSync()[0],
      };
    });
    return { metrics, grads };
  }

  /** One update from a batch of images and ε; like ours, no update when a gradient is not finite. */
  trainStep(images: Float32Array, eps: Float32Array): TfjsStepMetrics {
    const { metrics, grads } = this.gradients(images, eps);
    if (Number.isFinite(metrics.gradSquares)) {
      this.optimizer.applyGradients([...grads].map(([name, tensor]) => ({ name, tensor })));
      this.step++;
    }
    this.tf.dispose([...grads.values()]);
    return metrics;
  }

  /** Gradients by parameter name without updating (for checking against our backends). */
  gradientsOf(images: Float32Array, eps: Float32Array): { metrics: TfjsStepMetrics; grads: Map<string, Float32Array> } {
    const { metrics, grads } = this.gradients(images, eps);
    const host = new Map([...grads].map(([name, g]) => [name, Float32Array.from(g.dataSync() as Float32Array)]));
    this.tf.dispose([...grads.values()]);
    return { metrics, grads: host };
  }

  /** The parameters by name. */
  parameters(): Map<string, Float32Array> {
    return new Map([...this.vars].map(([name, v]) => [name, Float32Array.from(v.dataSync() as Float32Array)]));
  }

  dispose(): void {
    this.optimizer.dispose();
    this.tf.dispose([...this.vars.values()]);
  }
}

/** This peer trains the objectives that weight the KL by one number per update. */
function klWeightedReport(o: Objective, recon: number, kl: number, step: number): ObjectiveReport {
  if (o.kind === "beta") return betaReport(o, recon, kl);
  if (o.kind === "capacity") return capacityReport(o, recon, kl, step);
  throw new Error(`the TensorFlow.js peer trains β-VAE and capacity only, not ${o.kind}`);
}

/** Worst relative errors of the tfjs step against our reference backend on a small model. */
export interface TfjsCheck {
  model: string;
  /** |recon, KL of tfjs − ours| / |ours|, the worse of the two. */
  loss: number;
  /** max over parameters of max |tfjs − ours| / max |ours| of that parameter's gradient. */
  gradients: number;
  worstGradient: string;
  /** max |tfjs update − our update| / lr after one Adam step. */
  adamUpdate: number;
  tolerance: { loss: number; gradients: number; adamUpdate: number };
  passed: boolean;
}

/**
 * One step of a small model (16×16, 8 channels, batch 3) in tfjs and on our scalar reference
 * backend from the same weights, images and ε: the losses, every parameter's gradient and
 * the Adam update must agree before tfjs's timing means anything.
 */
export function checkTfjsTrainer(
  tf: Tf, objective: Objective, optimiser: OptimiserConfig, transposedConv: TransposedConvRoute = "tfjs",
): TfjsCheck {
  const config = { ...BURGESS_CONFIG, height: 16, width: 16, latents: 3, convChannels: 8, hidden: 8 };
  const batch = 3;
  const be = new ReferenceBackend("f64");
  const model = BetaVAE.build(be, config, batch);
  const rng = new Rng(11);
  model.initialise(rng);
  const images = new Float32Array(model.input.length).map(() => (rng.next() < 0.3 ? 1 : 0));
  const eps = new Float32Array(model.eps.length);
  rng.fillNormal(eps);
  const read = (buf: DeviceBuffer): Float32Array => Float32Array.from(be.view(buf as Parameters<typeof be.view>[0]));
  const params = read(model.paramValues);

  be.write(model.input, images);
  be.write(model.eps, eps);
  model.forward();
  const recon = read(model.recon)[0];
  const kl = read(model.klTotal)[0];
  klWeightedBackward(model, klWeightedReport(objective, recon, kl, 0).klWeight);
  const grads = read(model.paramGrads);
  model.backend.adamUpdate(model.paramValues, model.paramGrads, model.adamM, model.adamV, model.arenaSize, { ...optimiser, step: 1 });
  const updated = read(model.paramValues);

  const peer = new TfjsTrainer(tf, model, params, objective, optimiser, transposedConv);
  try {
    const theirs = peer.gradientsOf(images, eps);
    peer.trainStep(images, eps);
    const theirParams = peer.parameters();
    const loss = Math.max(Math.abs(theirs.metrics.recon - recon) / Math.abs(recon), Math.abs(theirs.metrics.kl - kl) / Math.abs(kl));
    let gradients = 0, worstGradient = "", adamUpdate = 0;
    for (const slot of model.parameterLayout) {
      const ours = grads.subarray(slot.offset, slot.offset + slot.size);
      const g = theirs.grads.get(slot.name);
      const error = g ? relativeError(g, ours) : Infinity;
      if (!(error <= gradients)) [gradients, worstGradient] = [error, slot.name];
      const after = theirParams.get(slot.name);
      for (let i = 0; i < slot.size; i++) {
        const ourStep = updated[slot.offset + i] - params[slot.offset + i];
        const theirStep = after ? after[i] - params[slot.offset + i] : NaN;
        // A gradient at rounding level has no reliable sign; Adam's first step is ±lr on it.
        if (Math.abs(ours[i]) < 1e-4 * maxAbs(ours)) continue;
        const e = Math.abs(theirStep - ourStep) / optimiser.lr;
        if (!(e <= adamUpdate)) adamUpdate = e;
      }
    }
    const tolerance = { loss: 1e-4, gradients: 1e-3, adamUpdate: 1e-2 };
    return {
      model: `${config.height}×${config.width}×${config.channels}, conv ${config.convChannels}, hidden ${config.hidden}, ${config.latents} latents, batch ${batch}`,
      loss, gradients, worstGradient, adamUpdate, tolerance,
      passed: loss <= tolerance.loss && gradients <= tolerance.gradients && adamUpdate <= tolerance.adamUpdate,
    };
  } finally {
    peer.dispose();
  }
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}
