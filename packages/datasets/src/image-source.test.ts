// Image sources without factors: an in-memory image set, a source that prefetches its pixels
// asynchronously (sampled exactly as the same images in memory, resumable, awaited by the
// trainer), and the one-line refusal of anything that needs factors.
import { ReferenceBackend, Rng, Trainer, type TrainingConfig } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { NoFactorsError } from "./errors.ts";
import { hasFactors, requireFactors } from "./factor-dataset.ts";
import type { ImageSource } from "./image-source.ts";
import { ImageSet } from "./image-set.ts";
import { createDataset, DATASET_NAMES } from "./index.ts";
import { ImageSampler } from "./sampler.ts";

/** `count` 16×16 greyscale images, image n filled with bytes (n · 37 + pixel) mod 256. */
function byteImages(count: number): Uint8Array {
  return Uint8Array.from({ length: count * 256 }, (_, i) => (Math.floor(i / 256) * 37 + (i % 256)) % 256);
}

/**
 * The same images as an ImageSet, but "on disk": sampleBatch reads only what prefetch loaded
 * (after a timer, as a decoder thread would), and refuses an image that was not loaded.
 */
class PrefetchedImages implements ImageSource {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly imageSize: number;
  prefetches = 0;
  private readonly loaded = new Map<number, Float32Array>();
  private readonly indices: Int32Array = new Int32Array(4096);

  constructor(private readonly stored: ImageSet, private readonly failWith?: Error) {
    ({ name: this.name, height: this.height, width: this.width, channels: this.channels, imageSize: this.imageSize } = stored);
  }

  private draw(rng: Rng, batchSize: number): Int32Array {
    for (let b = 0; b < batchSize; b++) this.indices[b] = rng.int(this.stored.count);
    return this.indices.subarray(0, batchSize);
  }

  async prefetch(rng: Rng, batchSize: number): Promise<void> {
    this.prefetches++;
    const wanted = [...this.draw(rng, batchSize)];
    await new Promise((r) => setTimeout(r, 1));
    if (this.failWith) throw this.failWith;
    for (const i of wanted) {
      const image = new Float32Array(this.imageSize);
      this.stored.copyImage(i, image);
      this.loaded.set(i, image);
    }
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array): void {
    for (const [b, i] of this.draw(rng, batchSize).entries()) {
      const image = this.loaded.get(i);
      if (!image) throw new Error(`image ${i} was not prefetched`);
      images.set(image, b * this.imageSize);
    }
  }
}

describe("ImageSet", () => {
  const set = new ImageSet("bytes", 16, 16, 1, byteImages(5));

  it("draws each image uniformly with one rng.int and reads bytes as value / 255", () => {
    const images = new Float32Array(3 * 256), rng = new Rng(7), reference = new Rng(7);
    set.sampleBatch(rng, 3, images);
    for (let b = 0; b < 3; b++) {
      const n = reference.int(5);
      expect(images[b * 256]).toBe(Math.fround(((n * 37) % 256) / 255));
      expect(images[b * 256 + 255]).toBe(Math.fround(((n * 37 + 255) % 256) / 255));
    }
    expect(rng.getState()).toEqual(reference.getState());
    const floats = new ImageSet("floats", 2, 2, 1, Float32Array.of(0, 0.25, 0.5, 1));
    const one = new Float32Array(4);
    floats.sampleBatch(new Rng(1), 1, one);
    expect(Array.from(one)).toEqual([0, 0.25, 0.5, 1]);
  });

  it("refuses pixels that are not whole images and a short buffer", () => {
    expect(() => new ImageSet("x", 16, 16, 1, new Uint8Array(300))).toThrow(/300 values are not a whole, non-zero number of 16×16×1 images/);
    expect(() => new ImageSet("x", 16, 16, 1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => set.sampleBatch(new Rng(1), 2, new Float32Array(300))).toThrow(/a batch of 2 needs 512/);
  });

  it("has no factors: asking for them is one NoFactorsError line", () => {
    expect(hasFactors(set)).toBe(false);
    for (const name of DATASET_NAMES) expect(hasFactors(createDataset(name))).toBe(true);
    const blobs = createDataset("blobs");
    expect(requireFactors(blobs, "compute MIG")).toBe(blobs);
    let err: unknown;
    try {
      requireFactors(set, "compute MIG");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoFactorsError);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).name).toBe("NoFactorsError");
    expect((err as Error).message).toBe("cannot compute MIG: bytes has images but no ground-truth factors");
  });
});

describe("ImageSampler with a prefetching source", () => {
  const stored = new ImageSet("bytes", 16, 16, 1, byteImages(50));

  it("gives the batches the same images give in memory, and resumes from a saved state", async () => {
    const inMemory = new ImageSampler(stored, 3), source = new PrefetchedImages(stored);
    const prefetched = new ImageSampler(source, 3);
    const a = new Float32Array(4 * 256), b = new Float32Array(4 * 256);
    let saved: unknown;
    for (let step = 0; step < 5; step++) {
      if (step === 3) saved = JSON.parse(JSON.stringify(prefetched.getState()));
      inMemory.next(a);
      await prefetched.ready(b.length);
      prefetched.next(b);
      expect(b).toEqual(a);
    }
    expect(saved).toEqual({ dataset: "bytes", rng: expect.any(Object) }); // the prefetches did not advance it
    const resumed = new ImageSampler(new PrefetchedImages(stored), 99);
    resumed.setState(saved);
    const again = new Float32Array(4 * 256), replay = new ImageSampler(stored, 1);
    replay.setState(saved);
    for (let step = 3; step < 5; step++) {
      await resumed.ready(again.length);
      resumed.next(again);
      replay.next(a);
      expect(again).toEqual(a);
    }
  });

  it("starts loading the next batch as it hands out one, and reports a failed load when awaited", async () => {
    const source = new PrefetchedImages(stored), sampler = new ImageSampler(source, 1), images = new Float32Array(2 * 256);
    await sampler.ready(images.length);
    await sampler.ready(images.length);
    expect(source.prefetches).toBe(1); // a second ready() waits on the same load
    sampler.next(images);
    expect(source.prefetches).toBe(2);
    expect(() => new ImageSampler(source, 5).next(images)).toThrow(/was not prefetched/);
    const failing = new ImageSampler(new PrefetchedImages(stored, new Error("disk gone")), 1);
    await expect(failing.ready(images.length)).rejects.toThrow("disk gone");
    expect(() => failing.next(new Float32Array(300))).toThrow(/not a whole number of 256-float images/);
  });

  it("is awaited by the trainer: training on it matches training on the images in memory", async () => {
    const config: TrainingConfig = {
      model: { height: 16, width: 16, channels: 1, latents: 2, convChannels: 2, hidden: 8, likelihood: "bernoulli", variance: 1 },
      objective: { kind: "beta", beta: 4 }, optimiser: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: 4, seed: 2,
    };
    const run = async (source: ImageSource) => {
      const trainer = new Trainer(new ReferenceBackend(), config, new ImageSampler(source, 3));
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push((await trainer.trainStep()).loss);
      return losses;
    };
    const expected = await run(stored);
    expect(expected.every(Number.isFinite)).toBe(true);
    expect(await run(new PrefetchedImages(stored))).toEqual(expected);
  });
});
