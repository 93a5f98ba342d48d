import { Rng, type RngState } from "@betavae/core";
import type { ImageSource } from "./image-source.ts";

/**
 * An image source plus its own seeded stream of batches, shaped as the training core's batch
 * source: next(images) fills a batch, getState()/setState() save and restore the stream
 * (JSON-safe), so a resumed run draws exactly the batches an uninterrupted one would have.
 *
 * For a source that prefetches, ready() loads the next batch and next() starts loading the one
 * after, so decoding overlaps the training step. Prefetching works on a copy of the rng: the
 * stream, and so the saved state, advances only as batches are taken.
 */
export class ImageSampler {
  readonly rng: Rng;
  private pending: Promise<void> | undefined;
  private pendingBatch = 0;

  constructor(
    readonly source: ImageSource,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** Resolves when next() can fill a buffer of `floats` floats without waiting. */
  ready(floats: number): Promise<void> {
    if (!this.source.prefetch) return Promise.resolve();
    const batch = this.batchOf(floats);
    if (!this.pending || this.pendingBatch !== batch) this.startPrefetch(batch);
    return this.pending!;
  }

  /** Fills `images` with images.length / imageSize images. */
  next(images: Float32Array): void {
    const batch = this.batchOf(images.length);
    this.source.sampleBatch(this.rng, batch, images);
    this.pending = undefined;
    if (this.source.prefetch) this.startPrefetch(batch);
  }

  // The key stays "dataset": checkpoints written before image sources had other names hold it.
  getState(): { dataset: string; rng: RngState } {
    return { dataset: this.source.name, rng: this.rng.getState() };
  }

  setState(state: unknown): void {
    const s = state as { dataset?: unknown; rng?: unknown };
    if (typeof s !== "object" || s === null || typeof s.rng !== "object" || s.rng === null) throw new RangeError("sampler state must be { dataset, rng }");
    if (s.dataset !== this.source.name) throw new RangeError(`sampler state is for dataset '${String(s.dataset)}', this sampler draws from '${this.source.name}'`);
    this.rng.setState(s.rng as RngState);
    this.pending = undefined; // what was prefetched belongs to the old stream
  }

  private batchOf(floats: number): number {
    const batch = floats / this.source.imageSize;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`image buffer of ${floats} floats is not a whole number of ${this.source.imageSize}-float images`);
    }
    return batch;
  }

  private startPrefetch(batch: number): void {
    const copy = new Rng(1);
    copy.setState(this.rng.getState());
    this.pending = this.source.prefetch!(copy, batch);
    this.pendingBatch = batch;
    // a failure surfaces when ready() is awaited, not as an unhandled rejection meanwhile
    this.pending.catch(() => {});
  }
}
