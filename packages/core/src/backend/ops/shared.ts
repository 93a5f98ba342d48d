// Checks and kernel arguments that several op descriptions share.
import type { DeviceBuffer } from "../backend";
import { type Conv2dShape, type DenseShape, checkConv2dShape, checkConv2dTransposeShape, convFilterFloats, convImageFloats } from "../shapes";
import type { Checks, Op, WasmCall, WasmKernel } from "./op";

/** Elementwise parts start at multiples of this many floats (whole SIMD vectors, 64-byte lines). */
export const FLOAT_QUANTUM = 16;

/**
 * The checks of an op over `count` floats in each of two to five buffers, each named after
 * its argument (a buffer without a name is absent). Fixed arity: checking allocates nothing.
 */
export function checkElementwise(c: Checks, count: number, b0: DeviceBuffer, n0: string, b1: DeviceBuffer, n1: string,
  b2?: DeviceBuffer, n2 = "", b3?: DeviceBuffer, n3 = "", b4?: DeviceBuffer, n4 = ""): void {
  c.count(count, "count");
  c.buffer(b0, count, n0);
  c.buffer(b1, count, n1);
  if (n2) c.buffer(b2 as DeviceBuffer, count, n2);
  if (n3) c.buffer(b3 as DeviceBuffer, count, n3);
  if (n4) c.buffer(b4 as DeviceBuffer, count, n4);
}

/** A leaky ReLU's negative-side slope: finite and ≥ 0 (so its output is positive exactly where its input is). */
export function checkSlope(c: Checks, slope: number): void {
  if (!(slope >= 0 && Number.isFinite(slope))) c.fail(`slope must be a finite number ≥ 0, got ${slope}`);
}

/**
 * Kernel arguments (b0, …, count) of an elementwise op over its buffers (two to four), cut
 * into ranges of whole SIMD vectors; further arguments follow on the returned call.
 */
export function elementwiseCall(k: WasmCall, count: number, b0: DeviceBuffer, b1: DeviceBuffer, b2?: DeviceBuffer, b3?: DeviceBuffer): WasmCall {
  k.split(count, count, "floats", FLOAT_QUANTUM).slice(b0, 1).slice(b1, 1);
  if (b2 !== undefined) k.slice(b2, 1);
  if (b3 !== undefined) k.slice(b3, 1);
  return k.extent();
}

/**
 * A dense layer's sizes, then its three tensors, each named after its argument: the output
 * side (y or dy, batch × outFeatures), the input side (x or dx, batch × inFeatures) and the
 * weights (W or dW, inFeatures × outFeatures).
 */
export function checkDense(c: Checks, s: DenseShape, output: DeviceBuffer, outputName: string, input: DeviceBuffer, inputName: string,
  weights: DeviceBuffer, weightsName: string): void {
  c.count(s.batch, "batch");
  c.count(s.inFeatures, "inFeatures");
  c.count(s.outFeatures, "outFeatures");
  c.buffer(output, s.batch * s.outFeatures, outputName);
  c.buffer(input, s.batch * s.inFeatures, inputName);
  c.buffer(weights, s.inFeatures * s.outFeatures, weightsName);
}

/** The dense_* kernels are cut into batch slices; their work is the multiply-adds. */
export function splitDense(k: WasmCall, s: DenseShape): WasmCall {
  return k.split(s.batch, s.batch * s.inFeatures * s.outFeatures, "macs");
}

/**
 * The arguments every dense_* kernel takes after its pointers: (n, inFeatures, outFeatures,
 * scratch). A GEMM's scratch is not monotonic in its rows, so it is sized for both slice sizes.
 */
export function denseShape(k: WasmCall, s: DenseShape): void {
  const { inFeatures: fi, outFeatures: fo } = s;
  const scratch = Math.max(k.kernels.dense_scratch(k.smallestPart, fi, fo), k.kernels.dense_scratch(k.largestPart, fi, fo));
  k.extent().value(fi).value(fo).scratch(scratch);
}

/** Rows and channels of a bias op. */
function checkRows(c: Checks, rows: number, channels: number): void {
  c.count(rows, "rows");
  c.count(channels, "channels");
}

/** Every convolution is cut into batch slices; its work is the multiply-adds of the smaller side. */
function splitConv(k: WasmCall, s: Conv2dShape): WasmCall {
  const pixels = Math.min(s.inHeight * s.inWidth, s.outHeight * s.outWidth);
  return k.split(s.batch, s.batch * pixels * convFilterFloats(s), "macs");
}

/**
 * The arguments every conv kernel takes after its three pointers: (n, h, w, cin, ho, wo, cout,
 * kh, kw, stride, pad, scratch). The transposed ops run conv2d kernels with input and output
 * channels exchanged, so their scratch is sized that way.
 */
function convShape(k: WasmCall, s: Conv2dShape, transposed: boolean): void {
  const cin = transposed ? s.outChannels : s.inChannels, cout = transposed ? s.inChannels : s.outChannels;
  k.extent().value(s.inHeight).value(s.inWidth).value(s.inChannels).value(s.outHeight).value(s.outWidth).value(s.outChannels)
    .value(s.kernelHeight).value(s.kernelWidth).value(s.stride).value(s.pad)
    .scratch(k.kernels.conv2d_scratch(cin, cout, s.kernelHeight, s.kernelWidth, s.stride));
}

/** A loss over batch × pixels: the sizes, then the scalar loss, prediction, targets and gradient (null: not taken). */
export function checkLoss(c: Checks, batch: number, pixels: number, loss: DeviceBuffer | null, prediction: DeviceBuffer,
  targets: DeviceBuffer, gradient: DeviceBuffer | null): void {
  c.count(batch, "batch");
  c.count(pixels, "pixels");
  const count = batch * pixels;
  c.buffer(loss, 1, "loss");
  c.buffer(prediction, count, "prediction");
  c.buffer(targets, count, "targets");
  c.buffer(gradient, count, "gradient");
}

/**
 * The arguments every loss kernel starts with: (out, prediction, targets, batch, pixels), where
 * `out` is the scalar loss, summed over the parts, or the gradient, sliced like the prediction.
 * Losses are cut into ranges of whole pixel columns: the kernels scale by 1/batch, so the
 * batch stays whole and each part takes `batch × its pixels` consecutive floats.
 */
export function lossCall(k: WasmCall, out: DeviceBuffer, output: "loss" | "gradient", prediction: DeviceBuffer, targets: DeviceBuffer,
  batch: number, pixels: number): WasmCall {
  k.split(pixels, batch * pixels, "floats");
  if (output === "loss") k.sum(out, 1);
  else k.slice(out, batch);
  return k.slice(prediction, batch).slice(targets, batch).value(batch).extent();
}

/** Each loss op's arguments, by family and output, named as Backend shows them. */
interface LossArgs {
  bernoulli: {
    loss: [loss: DeviceBuffer, logits: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number];
    gradient: [dlogits: DeviceBuffer, logits: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number];
  };
  gaussian: {
    loss: [loss: DeviceBuffer, x: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number, variance: number];
    gradient: [dx: DeviceBuffer, x: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number, variance: number];
  };
}

/**
 * A loss of `family` over batch × pixels, or its gradient: (out, prediction, targets, batch,
 * pixels), then the Gaussian's fixed variance. The kernels take the same arguments, and the
 * Bernoulli loss kernel one more: the gradient it can fuse, absent here.
 */
export function lossOp<N extends string, F extends keyof LossArgs, O extends "loss" | "gradient">(name: N, kernel: WasmKernel, family: F,
  output: O): Op<N, LossArgs[F][O]> {
  const gaussian = family === "gaussian";
  const op: Op<N, [DeviceBuffer, DeviceBuffer, DeviceBuffer, number, number, number]> = {
    name,
    check(c, out, prediction, targets, batch, pixels, variance) {
      checkLoss(c, batch, pixels, output === "loss" ? out : null, prediction, targets, output === "gradient" ? out : null);
      if (gaussian && !(variance > 0 && Number.isFinite(variance))) c.fail(`variance must be positive, got ${variance}`);
    },
    kernel,
    wasm(k, out, prediction, targets, batch, pixels, variance) {
      lossCall(k, out, output, prediction, targets, batch, pixels);
      if (gaussian) k.value(variance);
      else if (output === "loss") k.tensor(null);
    },
  };
  // The Bernoulli ops take no variance; LossArgs names and counts each op's arguments.
  return op as unknown as Op<N, LossArgs[F][O]>;
}

/** The checks of y[r][c] = max(y[r][c] + b[c], floor). */
export function checkBiasAdd(c: Checks, y: DeviceBuffer, b: DeviceBuffer, rows: number, channels: number): void {
  checkRows(c, rows, channels);
  c.buffer(y, rows * channels, "y");
  c.buffer(b, channels, "b");
}

/** The checks of db[c] = Σ_r dy[r][c] over rows × channels. */
export function checkBiasGrad(c: Checks, db: DeviceBuffer, dy: DeviceBuffer, rows: number, channels: number): void {
  checkRows(c, rows, channels);
  c.buffer(db, channels, "db");
  c.buffer(dy, rows * channels, "dy");
}

/**
 * bias_grad(db, dy, rows, channels, scratch, reluOutput) in row blocks, db summed over them as
 * partials: a null `reluOutput` sums dy alone, the ReLU's output masks dy by y > 0 in place first.
 */
export function biasGradCall(k: WasmCall, db: DeviceBuffer, dy: DeviceBuffer, rows: number, channels: number, reluOutput: DeviceBuffer | null): void {
  k.split(rows, rows * channels, "floats").sum(db, channels).slice(dy, channels).extent().value(channels)
    .scratch(k.kernels.bias_grad_scratch(channels)).slice(reluOutput, channels);
}

/** bias_add(y, b, rows, channels, floor) in row blocks: a floor of −∞ adds the bias alone, 0 fuses the ReLU after it. */
export function biasAddCall(k: WasmCall, y: DeviceBuffer, b: DeviceBuffer, rows: number, channels: number, floor: number): void {
  k.split(rows, rows * channels, "floats").slice(y, channels).tensor(b).extent().value(channels).value(floor);
}

// The three kinds of convolution op, each for conv2d and its transpose. Their kernels take
// the three tensors in argument order, the written one first (y, dx or df).

/** The side of the convolution a tensor lies on: the output side, the input side, or the filter. */
type ConvSide = "output" | "input" | "filter";

/** Each kind's tensors in argument order (the first is written). */
const CONV_SIDES = {
  forward: ["output", "input", "filter"],
  backwardData: ["input", "output", "filter"],
  backwardFilter: ["filter", "output", "input"],
} as const satisfies Record<string, readonly [ConvSide, ConvSide, ConvSide]>;

/** Each kind's arguments, named as Backend shows them. */
interface ConvArgs {
  forward: [y: DeviceBuffer, x: DeviceBuffer, f: DeviceBuffer, s: Conv2dShape];
  backwardData: [dx: DeviceBuffer, dy: DeviceBuffer, f: DeviceBuffer, s: Conv2dShape];
  backwardFilter: [df: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, s: Conv2dShape];
}

/**
 * A convolution op of `kind`, cut into batch slices: the image tensors are sliced per image,
 * the filter is passed whole, or summed over the slices as partials where the op writes it.
 */
export function convOp<N extends string, K extends keyof ConvArgs>(name: N, kernel: WasmKernel, kind: K, transposed: boolean): Op<N, ConvArgs[K]> {
  const [written, second, third] = CONV_SIDES[kind];
  const op: Op<N, [DeviceBuffer, DeviceBuffer, DeviceBuffer, Conv2dShape]> = {
    name,
    check(c, t0, t1, t2, s) {
      if (transposed) checkConv2dTransposeShape(s, c.op);
      else checkConv2dShape(s, c.op);
      checkConvTensor(c, written, t0, s);
      checkConvTensor(c, second, t1, s);
      checkConvTensor(c, third, t2, s);
    },
    kernel,
    wasm(k, t0, t1, t2, s) {
      splitConv(k, s);
      if (written === "filter") k.sum(t0, convFilterFloats(s));
      else convSlice(k, written, t0, s);
      convSlice(k, second, t1, s);
      convSlice(k, third, t2, s);
      convShape(k, s, transposed);
    },
  };
  // The arguments are the same types whatever the kind; ConvArgs only names them.
  return op as Op<N, ConvArgs[K]>;
}

function checkConvTensor(c: Checks, side: ConvSide, t: DeviceBuffer, s: Conv2dShape): void {
  if (side === "filter") c.buffer(t, convFilterFloats(s), "filter");
  else c.buffer(t, convImageFloats(side, s) * s.batch, side === "output" ? "output-side tensor" : "input-side tensor");
}

/** An image tensor sliced to the part's images; the filter, read whole by every part. */
function convSlice(k: WasmCall, side: ConvSide, t: DeviceBuffer, s: Conv2dShape): void {
  if (side === "filter") k.tensor(t);
  else k.slice(t, convImageFloats(side, s));
}
