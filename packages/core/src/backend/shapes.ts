// Shapes of the ops, and the arithmetic that derives and checks them. Everything here runs
// before a kernel does, so a bad configuration fails with a sentence, not a trap.

export class ShapeError extends Error {
  override name = "ShapeError";
}

/** y[batch, outFeatures] = x[batch, inFeatures] · W[inFeatures, outFeatures] + b[outFeatures]. */
export interface DenseShape {
  batch: number;
  inFeatures: number;
  outFeatures: number;
}

/**
 * A convolution in NHWC: x [batch, inHeight, inWidth, inChannels] → y [batch, outHeight,
 * outWidth, outChannels]. conv2d filters are HWIO [kh, kw, inChannels, outChannels];
 * transposed-conv filters are [kh, kw, outChannels, inChannels] (TensorFlow's layout).
 */
export interface Conv2dShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  stride: number;
  pad: number;
}

export interface Conv2dParams {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  kernel: number | [number, number];
  stride: number;
  pad: number;
}

/** Throws a ShapeError naming `op` and `what` unless `value` is a positive integer (the message is built only then: ops check every call). */
export function checkPositiveInteger(value: number, op: string, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new ShapeError(`${op}: ${what} must be a positive integer, got ${value}`);
}

/** The sizes of a convolution that must be positive integers (a constant: checks run every op). */
const CONV_SIZES = ["batch", "inHeight", "inWidth", "inChannels", "outHeight", "outWidth", "outChannels",
  "kernelHeight", "kernelWidth", "stride"] as const;

function checkCommon(s: Conv2dShape, op: string): void {
  for (const key of CONV_SIZES) checkPositiveInteger(s[key], op, key);
  if (!Number.isInteger(s.pad) || s.pad < 0) throw new ShapeError(`${op}: pad must be a non-negative integer, got ${s.pad}`);
  if (s.pad >= s.kernelHeight || s.pad >= s.kernelWidth) {
    throw new ShapeError(`${op}: pad ${s.pad} must be smaller than the kernel ${s.kernelHeight}×${s.kernelWidth}`);
  }
}

/** Output size of a convolution along one axis. */
export function convOutSize(inSize: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - kernel) / stride) + 1;
}

/** Output size of a transposed convolution along one axis (no output padding). */
export function convTransposeOutSize(inSize: number, kernel: number, stride: number, pad: number): number {
  return (inSize - 1) * stride - 2 * pad + kernel;
}

/** Throws unless `s` is a valid conv2d: output size = floor((in + 2·pad − k) / stride) + 1. */
export function checkConv2dShape(s: Conv2dShape, op = "conv2d"): void {
  checkCommon(s, op);
  const h = convOutSize(s.inHeight, s.kernelHeight, s.stride, s.pad);
  const w = convOutSize(s.inWidth, s.kernelWidth, s.stride, s.pad);
  if (h !== s.outHeight || w !== s.outWidth) {
    throw new ShapeError(`${op}: a ${s.inHeight}×${s.inWidth} input with kernel ${s.kernelHeight}×${s.kernelWidth}, `
      + `stride ${s.stride}, pad ${s.pad} gives ${h}×${w}, not ${s.outHeight}×${s.outWidth}`);
  }
}

/**
 * Throws unless `s` is a valid transposed conv2d whose adjoint conv2d maps the output back to
 * the input exactly: in = floor((out + 2·pad − k) / stride) + 1.
 */
export function checkConv2dTransposeShape(s: Conv2dShape, op = "conv2dTranspose"): void {
  checkCommon(s, op);
  const h = convOutSize(s.outHeight, s.kernelHeight, s.stride, s.pad);
  const w = convOutSize(s.outWidth, s.kernelWidth, s.stride, s.pad);
  if (h !== s.inHeight || w !== s.inWidth) {
    throw new ShapeError(`${op}: a ${s.outHeight}×${s.outWidth} output with kernel ${s.kernelHeight}×${s.kernelWidth}, `
      + `stride ${s.stride}, pad ${s.pad} comes from a ${h}×${w} input, not ${s.inHeight}×${s.inWidth}`);
  }
}

function kernelDims(kernel: number | [number, number]): [number, number] {
  return typeof kernel === "number" ? [kernel, kernel] : kernel;
}

/** A conv2d shape with its output size derived (and the result checked). */
export function conv2dShape(p: Conv2dParams): Conv2dShape {
  const [kernelHeight, kernelWidth] = kernelDims(p.kernel);
  const s: Conv2dShape = {
    batch: p.batch, inHeight: p.inHeight, inWidth: p.inWidth, inChannels: p.inChannels,
    outHeight: convOutSize(p.inHeight, kernelHeight, p.stride, p.pad),
    outWidth: convOutSize(p.inWidth, kernelWidth, p.stride, p.pad),
    outChannels: p.outChannels, kernelHeight, kernelWidth, stride: p.stride, pad: p.pad,
  };
  checkConv2dShape(s);
  return s;
}

/** A transposed conv2d shape with its output size derived (and the result checked). */
export function conv2dTransposeShape(p: Conv2dParams): Conv2dShape {
  const [kernelHeight, kernelWidth] = kernelDims(p.kernel);
  const s: Conv2dShape = {
    batch: p.batch, inHeight: p.inHeight, inWidth: p.inWidth, inChannels: p.inChannels,
    outHeight: convTransposeOutSize(p.inHeight, kernelHeight, p.stride, p.pad),
    outWidth: convTransposeOutSize(p.inWidth, kernelWidth, p.stride, p.pad),
    outChannels: p.outChannels, kernelHeight, kernelWidth, stride: p.stride, pad: p.pad,
  };
  checkConv2dTransposeShape(s);
  return s;
}

/** Floats of one image on the input or the output side of a convolution. */
export function convImageFloats(side: "input" | "output", s: Conv2dShape): number {
  return side === "output" ? s.outHeight * s.outWidth * s.outChannels : s.inHeight * s.inWidth * s.inChannels;
}

/** Floats of a convolution's filter (either layout). */
export function convFilterFloats(s: Conv2dShape): number {
  return s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels;
}

/** Floats of a convolution's whole input, output and filter. */
export const conv2dSizes = (s: Conv2dShape) => ({
  input: s.batch * convImageFloats("input", s),
  output: s.batch * convImageFloats("output", s),
  filter: convFilterFloats(s),
});

/** Multiply-adds of one conv2d (or transposed conv2d) pass; ×2 for FLOPs. */
export function conv2dMacs(s: Conv2dShape, transposed: boolean): number {
  const pixels = transposed ? s.batch * s.inHeight * s.inWidth : s.batch * s.outHeight * s.outWidth;
  return pixels * s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels;
}

/** Hyper-parameters of one Adam step; `step` counts from 1. */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
}
