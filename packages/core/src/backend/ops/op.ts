// What describes an op. Each op is one file in this folder, registered in index.ts; the
// Backend's public method, its size checks, the WASM backend's kernel call and thread split,
// the kernel threads' call table, and the tables that the other backends must fill are all
// derived from these descriptions. See docs/ARCHITECTURE.md ("How to add an op").
import type { KernelExports } from "@betavae/kernels";
import type { Backend, DeviceBuffer } from "../backend";

/**
 * The checks an op runs before any backend sees its arguments. Failures throw a ShapeError
 * that starts with the op's name. No method allocates: ops are issued dozens of times a step.
 */
export interface Checks {
  /** The op being checked, for messages built elsewhere (e.g. the convolution shape checks). */
  readonly op: string;
  /** `value` must be a positive integer. */
  count(value: number, what: string): void;
  /** `buf` must be a buffer of this backend holding at least `need` floats; null (an absent optional buffer) passes. */
  buffer(buf: DeviceBuffer | null, need: number, what: string): void;
  /** Throws `${op}: ${message}`. */
  fail(message: string): never;
}

/** A kernel export of the WASM module that an op may call (not the helpers that size scratch). */
export type WasmKernel = Exclude<keyof KernelExports, "heap_base" | "uses_relaxed_simd" | "fma_peak" | `${string}_scratch`>;

/**
 * How the WASM backend calls an op's kernel: the kernel's arguments in order, and how the op
 * is cut into parts that threads run side by side. Declare the split (if any) first, then push
 * every argument; the backend derives the per-part pointers, the per-thread scratch and the
 * summing of partial results from them.
 */
export interface WasmCall {
  /** The kernels, for the `*_scratch` size helpers. */
  readonly kernels: KernelExports;
  /**
   * Cuts the op into parts along `extent` units (rows, images, pixels, floats), at multiples
   * of `quantum` units, when its `work` (floats touched, or multiply-adds for "macs") pays for
   * waking threads. Without a split the op runs whole on the calling thread.
   */
  split(extent: number, work: number, cost: "floats" | "macs", quantum?: number): this;
  /** Units in the largest and the smallest part (the whole extent when the op is not split): for sizing scratch. */
  readonly largestPart: number;
  readonly smallestPart: number;
  /** The buffer's pointer, the same in every part (0 for null). */
  tensor(buf: DeviceBuffer | null): this;
  /** The buffer's pointer advanced to the part's first unit, `floatsPerUnit` floats per unit (0 stays 0 for null). */
  slice(buf: DeviceBuffer | null, floatsPerUnit: number): this;
  /** The part's number of units. */
  extent(): this;
  /** A number (an integer or a float; booleans as 0 and 1). */
  value(v: number): this;
  /** A scratch region of `bytes` that the kernel may overwrite; every thread gets its own. */
  scratch(bytes: number): this;
  /**
   * An output that is a sum over the split: each part writes `floats` partial results, added
   * in part order afterwards (a scalar in double precision, a vector with the `add` kernel),
   * so a thread count gives the same bits on every run.
   */
  sum(buf: DeviceBuffer, floats: number): this;
}

/** One op: the Backend method `name` with the arguments `A`. */
export interface Op<N extends string = string, A extends unknown[] = never[]> {
  readonly name: N;
  /** Every size and value check, before any backend runs the op. */
  readonly check: (c: Checks, ...args: A) => void;
  /** The WASM kernel the op calls. */
  readonly kernel: WasmKernel;
  /** Pushes the kernel's arguments (see WasmCall). */
  readonly wasm: (k: WasmCall, ...args: A) => void;
}

/** An op that fuses simpler ones: backends without a fused kernel may run `fallback` instead. */
export interface FusedOp<N extends string = string, A extends unknown[] = never[]> extends Op<N, A> {
  /** The same result from the backend's other ops (called through its public methods). */
  readonly fallback: (be: Backend, ...args: A) => void;
}

/** Declares an op; the argument types are those of `check`. */
export function defineOp<N extends string, A extends unknown[]>(op: Op<N, A>): Op<N, A> {
  return op;
}

/** Declares a fused op with the composition that backends without a fused kernel run. */
export function defineFusedOp<N extends string, A extends unknown[]>(op: FusedOp<N, A>): FusedOp<N, A> {
  return op;
}

/** Marks an op in a backend's table as run by its description's fallback. */
export const COMPOSED: unique symbol = Symbol("composed");
