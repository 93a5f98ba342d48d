import type { Rng } from "@betavae/core";

/**
 * Images to train on: a size, a name and a seeded way to draw batches. Images are float32,
 * layout HWC, values in [0, 1]. A source need not know what generated its images; one that
 * does is a FactorDataset (factor-dataset.ts), which the disentanglement metrics need.
 */
export interface ImageSource {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Floats per image: height · width · channels. */
  readonly imageSize: number;
  /**
   * Draws `batchSize` images into images[0 … batchSize · imageSize). Consumes the rng in a fixed
   * order, so the same rng state gives the same batch. Synchronous: a source whose pixels are
   * not at hand (JPEGs to decode, a file read in chunks) also implements `prefetch`.
   */
  sampleBatch(rng: Rng, batchSize: number, images: Float32Array): void;
  /**
   * Loads what `sampleBatch(rng, batchSize, …)` will read, given an rng in the state that call
   * will see (the caller's own copy: prefetch may consume it). Resolves when that call can run
   * without waiting. Sources that hold their pixels in memory leave it out.
   */
  prefetch?(rng: Rng, batchSize: number): Promise<void>;
}

/** Checks the caller's image buffer holds `batchSize` images; throws a RangeError naming the shortfall. */
export function checkImageBuffer(source: ImageSource, batchSize: number, images: Float32Array): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
  if (images.length < batchSize * source.imageSize) {
    throw new RangeError(`image buffer holds ${images.length} floats, a batch of ${batchSize} needs ${batchSize * source.imageSize}`);
  }
}
