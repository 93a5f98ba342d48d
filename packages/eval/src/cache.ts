// Encode once, sample many: the metrics draw hundreds of thousands of images with many
// repeats (BetaVAE's defaults alone ask for 1.92 million), so codes are cached by image index
// and each distinct image is rendered and encoded once, in batches of the encoder's size.
// Images are rendered without an rng, so an image is a fixed function of its factors (what
// a cache keyed by index needs; coloured dSprites then uses its fixed per-image colour).
import { type FactorDataset, type ImageSource, requireFactors } from "@betavae/datasets";
import type { Encoder } from "./encoder";

/** Image indices per page: pages are allocated as the metrics first touch them. */
const PAGE = 4096;

interface Page {
  codes: Float32Array;
  known: Uint8Array;
}

export class CodeCache {
  /** Distinct images encoded so far. */
  encoded = 0;
  /** Codes handed out so far (repeats included). */
  requested = 0;
  private readonly pages = new Map<number, Page>();
  private readonly images: Float32Array;
  private readonly batchFactors: Int32Array;
  private readonly batchCodes: Float32Array;

  readonly dataset: FactorDataset;

  constructor(source: ImageSource, readonly encoder: Encoder) {
    const dataset = requireFactors(source, "cache codes by factors");
    this.dataset = dataset;
    if (encoder.imageSize !== null && encoder.imageSize !== dataset.imageSize) {
      throw new RangeError(`the encoder takes ${encoder.imageSize}-float images, dataset ${dataset.name} has ${dataset.height}×${dataset.width}×${dataset.channels} = ${dataset.imageSize}`);
    }
    this.images = new Float32Array(encoder.imageSize === null ? 0 : encoder.batch * encoder.imageSize);
    this.batchFactors = new Int32Array(encoder.batch * dataset.factors.length);
    this.batchCodes = new Float32Array(encoder.batch * encoder.latents);
  }

  get latents(): number {
    return this.encoder.latents;
  }

  /** Codes of the `count` images whose factor vectors are in `factors` (count · factors.length) into `out` (count · latents). */
  async codes(factors: Int32Array, count: number, out = new Float32Array(count * this.latents)): Promise<Float32Array> {
    const k = this.dataset.factors.length, L = this.latents;
    const indices = new Array<number>(count);
    const missing = new Set<number>();
    for (let n = 0; n < count; n++) {
      const index = this.dataset.factorsToIndex(factors.subarray(n * k, (n + 1) * k));
      indices[n] = index;
      if (!this.page(index).known[index % PAGE]) missing.add(index);
    }
    const todo = [...missing];
    for (let start = 0; start < todo.length; start += this.encoder.batch) await this.encodeBatch(todo.slice(start, start + this.encoder.batch));
    for (let n = 0; n < count; n++) {
      const index = indices[n];
      const slot = (index % PAGE) * L;
      out.set(this.page(index).codes.subarray(slot, slot + L), n * L);
    }
    this.requested += count;
    return out;
  }

  private async encodeBatch(indices: number[]): Promise<void> {
    const k = this.dataset.factors.length, L = this.latents;
    for (const [n, index] of indices.entries()) {
      const f = this.batchFactors.subarray(n * k, (n + 1) * k);
      this.dataset.indexToFactors(index, f);
      if (this.encoder.imageSize !== null) this.dataset.render(f, this.images, n * this.dataset.imageSize);
    }
    await this.encoder.encode(this.images, this.batchFactors, indices.length, this.batchCodes);
    for (const [n, index] of indices.entries()) {
      const page = this.page(index);
      page.codes.set(this.batchCodes.subarray(n * L, (n + 1) * L), (index % PAGE) * L);
      page.known[index % PAGE] = 1;
    }
    this.encoded += indices.length;
  }

  private page(index: number): Page {
    const key = Math.floor(index / PAGE);
    let page = this.pages.get(key);
    if (!page) {
      page = { codes: new Float32Array(PAGE * this.latents), known: new Uint8Array(PAGE) };
      this.pages.set(key, page);
    }
    return page;
  }
}
