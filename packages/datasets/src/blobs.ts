import { type Factor, type FactorDataset, FactorGrid, checkBatchBuffers, linspace } from "./factor-dataset.ts";
import type { Rng } from "@betavae/core";

export interface BlobsOptions {
  /** Image side in pixels (default 64). */
  size?: number;
  /** Positions per axis (default 32). */
  positions?: number;
  /** Standard deviation of the blob in pixels (default 3). */
  sigma?: number;
}

/**
 * Gaussian blobs, the data of Burgess et al.'s Fig. 2: one isotropic Gaussian blob,
 * exp(−d² / 2σ²) (peak 1), on a black square canvas; factors x and y. Defaults: 64×64×1,
 * σ = 3 px, 32 positions per axis. A position value v ∈ [0, 1] puts the centre at
 * m + (size − 2m)·v pixels with margin m = ⌈3σ⌉ + 1 (10 px by default: centres 10 … 54), so the
 * blob's ±3σ always lies inside the frame.
 */
export class GaussianBlobs implements FactorDataset {
  readonly name = "blobs";
  readonly height: number;
  readonly width: number;
  readonly channels = 1;
  readonly imageSize: number;
  readonly factors: readonly Factor[];
  readonly grid: FactorGrid;
  readonly size: number;
  readonly sigma: number;
  /** Blob centre in pixel coordinates (pixel i spans [i, i+1)) for each position index. */
  readonly centers: readonly number[];
  /** profile[p · side + i]: the 1-D Gaussian at pixel i for position index p. */
  private readonly profile: Float32Array;
  private readonly factorScratch = new Int32Array(2);

  constructor(options: BlobsOptions = {}) {
    const side = options.size ?? 64, positions = options.positions ?? 32, sigma = options.sigma ?? 3;
    if (!Number.isInteger(side) || side < 8) throw new RangeError(`blob image size must be an integer ≥ 8, got ${side}`);
    if (!Number.isInteger(positions) || positions < 1) throw new RangeError(`blob positions must be a positive integer, got ${positions}`);
    const margin = Math.ceil(3 * sigma) + 1;
    if (!(sigma > 0) || 2 * margin >= side) throw new RangeError(`blob sigma ${sigma} does not fit a ${side}-pixel image`);
    this.height = this.width = side;
    this.imageSize = side * side;
    this.sigma = sigma;
    const values = linspace(0, 1, positions);
    this.factors = [
      { name: "x", size: positions, values },
      { name: "y", size: positions, values },
    ];
    this.grid = new FactorGrid([positions, positions]);
    this.size = this.grid.size;
    this.centers = values.map((v) => margin + (side - 2 * margin) * v);
    this.profile = new Float32Array(positions * side);
    for (let p = 0; p < positions; p++) {
      for (let i = 0; i < side; i++) {
        const d = i + 0.5 - this.centers[p];
        this.profile[p * side + i] = Math.exp((-d * d) / (2 * sigma * sigma));
      }
    }
  }

  indexToFactors(index: number, out?: Int32Array | number[]): Int32Array | number[] {
    return this.grid.indexToFactors(index, out);
  }

  factorsToIndex(factors: ArrayLike<number>): number {
    return this.grid.factorsToIndex(factors);
  }

  render(factors: ArrayLike<number>, out: Float32Array, offset = 0, _rng?: Rng): void {
    this.grid.check(factors);
    const side = this.width, px = factors[0] * side, py = factors[1] * side, p = this.profile;
    // separable: image = column profile ⊗ row profile
    for (let y = 0; y < side; y++) {
      const gy = p[py + y], row = offset + y * side;
      for (let x = 0; x < side; x++) out[row + x] = gy * p[px + x];
    }
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void {
    checkBatchBuffers(this, batchSize, images, factorsOut);
    const f = this.factorScratch;
    for (let b = 0; b < batchSize; b++) {
      this.grid.indexToFactors(rng.int(this.size), f);
      this.render(f, images, b * this.imageSize);
      if (factorsOut) factorsOut.set(f, b * 2);
    }
  }
}
