import type { Rng } from "@betavae/core";
import { NoFactorsError } from "./errors.ts";
import { type ImageSource, checkImageBuffer } from "./image-source.ts";
import { ImageSet } from "./image-set.ts";

/** One generative factor: its name, how many values it takes, and those values. */
export interface Factor {
  readonly name: string;
  readonly size: number;
  /** The real value of each factor index (e.g. scale 0.5 … 1.0, orientation in radians). */
  readonly values: readonly number[];
}

/**
 * An image source whose images are indexed by a grid of discrete factors: what the
 * disentanglement metrics need (sample factors, fix one, render the images). Nothing here
 * allocates per call: callers pass the buffers.
 */
export interface FactorDataset extends ImageSource {
  readonly factors: readonly Factor[];
  /** Number of distinct factor combinations (images) the dataset holds. */
  readonly size: number;
  /** Factor indices of image `index` (written into `out` when given). */
  indexToFactors(index: number, out?: Int32Array | number[]): Int32Array | number[];
  /** Image index of a vector of factor indices. */
  factorsToIndex(factors: ArrayLike<number>): number;
  /**
   * Writes the image with these factor indices at out[offset … offset + imageSize).
   * Nuisance variation that is not a factor (coloured dSprites' colour) is drawn from `rng`
   * when given; without it the image is a fixed function of the factors.
   */
  render(factors: ArrayLike<number>, out: Float32Array, offset?: number, rng?: Rng): void;
  /**
   * Draws `batchSize` images uniformly from the dataset: images into `images`
   * (batchSize · imageSize floats), their factor indices into `factorsOut`
   * (batchSize · factors.length ints). Consumes the rng in a fixed order, so the same rng
   * state gives the same batch.
   */
  sampleBatch(rng: Rng, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void;
}

/** Mixed-radix index arithmetic over factor sizes; the last factor varies fastest. */
export class FactorGrid {
  readonly sizes: readonly number[];
  /** bases[i] = product of sizes[i+1 …]: the index step of factor i. */
  readonly bases: readonly number[];
  readonly size: number;

  constructor(sizes: readonly number[]) {
    if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`factor sizes must be positive integers, got [${sizes.join(", ")}]`);
    }
    this.sizes = [...sizes];
    const bases = new Array<number>(sizes.length);
    let b = 1;
    for (let i = sizes.length - 1; i >= 0; i--) {
      bases[i] = b;
      b *= sizes[i];
    }
    this.bases = bases;
    this.size = b;
  }

  indexToFactors(index: number, out: Int32Array | number[] = new Int32Array(this.sizes.length)): Int32Array | number[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`image index ${index} is outside [0, ${this.size})`);
    }
    let rest = index;
    for (let i = 0; i < this.sizes.length; i++) {
      const q = Math.floor(rest / this.bases[i]);
      out[i] = q;
      rest -= q * this.bases[i];
    }
    return out;
  }

  factorsToIndex(factors: ArrayLike<number>): number {
    this.check(factors);
    let index = 0;
    for (let i = 0; i < this.sizes.length; i++) index += factors[i] * this.bases[i];
    return index;
  }

  /** Throws a RangeError unless `factors` is a valid vector of factor indices. */
  check(factors: ArrayLike<number>): void {
    if (factors.length !== this.sizes.length) {
      throw new RangeError(`expected ${this.sizes.length} factor indices, got ${factors.length}`);
    }
    for (let i = 0; i < this.sizes.length; i++) {
      const f = factors[i];
      if (!Number.isInteger(f) || f < 0 || f >= this.sizes[i]) {
        throw new RangeError(`factor ${i} index ${f} is outside [0, ${this.sizes[i]})`);
      }
    }
  }
}

/** `count` evenly spaced values from a to b, both ends included (numpy's linspace). */
export function linspace(a: number, b: number, count: number): number[] {
  if (count === 1) return [a];
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = a + ((b - a) * i) / (count - 1);
  return out;
}

/** Checks the caller's batch buffers are big enough; throws a RangeError naming the shortfall. */
export function checkBatchBuffers(ds: FactorDataset, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void {
  checkImageBuffer(ds, batchSize, images);
  if (factorsOut && factorsOut.length < batchSize * ds.factors.length) {
    throw new RangeError(`factor buffer holds ${factorsOut.length} ints, a batch of ${batchSize} needs ${batchSize * ds.factors.length}`);
  }
}

/**
 * Fills `out` (count · factors.length ints) with uniform random factor vectors — what the
 * metrics use before fixing one factor and re-rendering.
 */
export function sampleFactors(ds: FactorDataset, rng: Rng, count: number, out = new Int32Array(count * ds.factors.length)): Int32Array {
  const k = ds.factors.length;
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < k; i++) out[n * k + i] = rng.int(ds.factors[i].size);
  }
  return out;
}

/** Whether `source` knows the factors of its images. */
export function hasFactors(source: ImageSource): source is FactorDataset {
  const s = source as Partial<FactorDataset>;
  return Array.isArray(s.factors) && typeof s.render === "function" && typeof s.factorsToIndex === "function" && typeof s.indexToFactors === "function";
}

/** How many distinct images `source` holds (a factor grid's size, an image set's count); null where it does not say. */
export function imageCount(source: ImageSource): number | null {
  if (hasFactors(source)) return source.size;
  return source instanceof ImageSet ? source.count : null;
}

/** `source` as a factor dataset, or a one-line NoFactorsError: "cannot <action>: <name> has images but no ground-truth factors". */
export function requireFactors(source: ImageSource, action: string): FactorDataset {
  if (!hasFactors(source)) throw new NoFactorsError(`cannot ${action}: ${source.name} has images but no ground-truth factors`);
  return source;
}
