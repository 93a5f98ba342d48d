import type { Dataset } from "./dataset.ts";
import { Rng, type RngState } from "@betavae/core";

/**
 * A dataset plus its own seeded stream of batches, shaped as the training core's batch
 * source: next(images) fills a batch, getState()/setState() save and restore the stream
 * (JSON-safe), so a resumed run draws exactly the batches an uninterrupted one would have.
 */
export class DatasetSampler {
  readonly rng: Rng;

  constructor(
    readonly dataset: Dataset,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** Fills `images` with images.length / imageSize images; their factor indices into `factorsOut` if given. */
  next(images: Float32Array, factorsOut?: Int32Array): void {
    const batch = images.length / this.dataset.imageSize;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`image buffer of ${images.length} floats is not a whole number of ${this.dataset.imageSize}-float images`);
    }
    this.dataset.sampleBatch(this.rng, batch, images, factorsOut);
  }

  getState(): { dataset: string; rng: RngState } {
    return { dataset: this.dataset.name, rng: this.rng.getState() };
  }

  setState(state: unknown): void {
    const s = state as { dataset?: unknown; rng?: unknown };
    if (typeof s !== "object" || s === null || typeof s.rng !== "object" || s.rng === null) throw new RangeError("sampler state must be { dataset, rng }");
    if (s.dataset !== this.dataset.name) throw new RangeError(`sampler state is for dataset '${String(s.dataset)}', this sampler draws from '${this.dataset.name}'`);
    this.rng.setState(s.rng as RngState);
  }
}
