import type { Rng } from "@betavae/core";
import { type Factor, type FactorDataset, FactorGrid, checkBatchBuffers } from "./factor-dataset.ts";
import type { StreamedImages } from "./streamed-images.ts";

/**
 * A factor dataset whose file holds one image per factor combination, in C order of the
 * factors (the last varies fastest), streamed from disk: row = the factor grid's index.
 * Shapes3D's .h5 and MPI3D's .npz are two of these; they differ only in how they are opened.
 */
export class StreamedFactorDataset implements FactorDataset {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly imageSize: number;
  readonly size: number;
  readonly grid: FactorGrid;
  private readonly scratch: Int32Array;

  constructor(
    readonly name: string,
    readonly factors: readonly Factor[],
    readonly images: StreamedImages,
  ) {
    this.grid = new FactorGrid(factors.map((f) => f.size));
    if (this.grid.size !== images.count) throw new RangeError(`${name}: ${images.count} images for a factor grid of ${this.grid.size}`);
    ({ height: this.height, width: this.width, channels: this.channels, imageSize: this.imageSize } = images);
    this.size = this.grid.size;
    this.scratch = new Int32Array(factors.length);
  }

  indexToFactors(index: number, out?: Int32Array | number[]): Int32Array | number[] {
    return this.grid.indexToFactors(index, out);
  }

  factorsToIndex(factors: ArrayLike<number>): number {
    return this.grid.factorsToIndex(factors);
  }

  render(factors: ArrayLike<number>, out: Float32Array, offset = 0, _rng?: Rng): void {
    this.images.copyImage(this.grid.factorsToIndex(factors), out, offset);
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void {
    checkBatchBuffers(this, batchSize, images, factorsOut);
    this.images.sampleBatch(rng, batchSize, images);
    if (!factorsOut) return;
    const rows = this.images.rowsDrawn(batchSize), k = this.factors.length;
    for (let b = 0; b < batchSize; b++) factorsOut.set(this.grid.indexToFactors(rows[b], this.scratch), b * k);
  }

  prefetch(rng: Rng, batchSize: number): Promise<void> {
    return this.images.prefetch(rng, batchSize);
  }

  close(): void {
    this.images.close();
  }
}
