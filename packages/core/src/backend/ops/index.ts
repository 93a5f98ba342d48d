// The registry: every op, once. Backend's public methods, the WASM kernel threads' call table
// and the tables the other backends fill are derived from this list, and tests check that
// every op has a WASM kernel, a reference implementation, a WebGPU shader (or a declared
// composition) and a case in the op suite.
import type { DeviceBuffer } from "../backend";
import { adamUpdate } from "./adam-update";
import { add } from "./add";
import { bernoulliNllBackward } from "./bernoulli-nll-backward";
import { bernoulliNllForward } from "./bernoulli-nll-forward";
import { bernoulliNllForwardBackward } from "./bernoulli-nll-forward-backward";
import { biasAdd } from "./bias-add";
import { biasAddRelu } from "./bias-add-relu";
import { biasGrad } from "./bias-grad";
import { clampBackward } from "./clamp-backward";
import { clampForward } from "./clamp-forward";
import { conv2dBackwardData } from "./conv2d-backward-data";
import { conv2dBackwardFilter } from "./conv2d-backward-filter";
import { conv2dForward } from "./conv2d-forward";
import { conv2dTransposeBackwardData } from "./conv2d-transpose-backward-data";
import { conv2dTransposeBackwardFilter } from "./conv2d-transpose-backward-filter";
import { conv2dTransposeForward } from "./conv2d-transpose-forward";
import { denseBackwardData } from "./dense-backward-data";
import { denseBackwardWeights } from "./dense-backward-weights";
import { denseForward } from "./dense-forward";
import { gaussianNllBackward } from "./gaussian-nll-backward";
import { gaussianNllForward } from "./gaussian-nll-forward";
import { klBackward } from "./kl-backward";
import { klForward } from "./kl-forward";
import { leakyReluBackward } from "./leaky-relu-backward";
import { leakyReluForward } from "./leaky-relu-forward";
import { COMPOSED, type FusedOp, type Op } from "./op";
import { reluBackward } from "./relu-backward";
import { reluBackwardBiasGrad } from "./relu-backward-bias-grad";
import { reluForward } from "./relu-forward";
import { reparamBackward } from "./reparam-backward";
import { reparamForward } from "./reparam-forward";
import { sumSquares } from "./sum-squares";

export { COMPOSED, type Checks, type FusedOp, type Op, type WasmCall, type WasmKernel, defineFusedOp, defineOp } from "./op";

/** Every op, in the order the documentation lists them. */
export const OPS = [
  denseForward, denseBackwardData, denseBackwardWeights,
  biasAdd, biasGrad, biasAddRelu, reluBackwardBiasGrad,
  conv2dForward, conv2dBackwardData, conv2dBackwardFilter,
  conv2dTransposeForward, conv2dTransposeBackwardData, conv2dTransposeBackwardFilter,
  reluForward, reluBackward, leakyReluForward, leakyReluBackward, clampForward, clampBackward, add, sumSquares, reparamForward, reparamBackward,
  bernoulliNllForward, bernoulliNllForwardBackward, bernoulliNllBackward, gaussianNllForward, gaussianNllBackward,
  klForward, klBackward,
  adamUpdate,
] as const;

export type AnyOp = (typeof OPS)[number];
export type OpName = AnyOp["name"];
export type OpOf<N extends OpName> = Extract<AnyOp, { name: N }>;
/** The op's arguments, buffers typed as DeviceBuffer. */
export type OpArgs<N extends OpName> = OpOf<N> extends Op<N, infer A> ? A : never;

/** Arguments with the buffers typed as one backend's buffer type `B`. */
export type OnBackend<A extends unknown[], B> = {
  [K in keyof A]: A[K] extends DeviceBuffer ? B : A[K] extends DeviceBuffer | null ? B | null : A[K];
};

/**
 * Every op as a method over buffers of type B: what Backend<B> offers. Declared as methods
 * (bivariant in their arguments), so that a Backend<WasmBuffer> is a Backend.
 */
export type OpMethods<B> = { [N in OpName]: { method(...args: OnBackend<OpArgs<N>, B>): void }["method"] };

/** The ops that declare a composition of other ops. */
export type FusedOpName = { [N in OpName]: OpOf<N> extends FusedOp ? N : never }[OpName];

/**
 * A backend's implementation of every op: a function of the backend `Be` and the op's
 * arguments, or COMPOSED for a fused op the backend runs as its composition. TypeScript
 * holds every backend to every op.
 */
export type OpTable<Be, B> = {
  [N in OpName]: ((be: Be, ...args: OnBackend<OpArgs<N>, B>) => void) | (N extends FusedOpName ? typeof COMPOSED : never);
};

/** The most arguments an op takes (klBackward's eight): Backend forwards them without an array. */
export const MAX_OP_ARGS = 8;
