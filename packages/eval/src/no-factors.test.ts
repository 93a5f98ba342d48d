// An image source without factors: a model trains on it and its figures draw, while every
// metric (and anything else that needs the factors) refuses it in one line, before encoding.
import { ReferenceBackend, Rng, Trainer, type TrainingConfig } from "@betavae/core";
import { ImageSampler, ImageSet, NoFactorsError } from "@betavae/datasets";
import { describe, expect, it } from "vitest";
import { CodeCache } from "./cache";
import { type Encoder, groundTruthEncoder, modelEncoder, randomEncoder } from "./encoder";
import { evaluate } from "./evaluate";
import { latentUsage, reconstructionFigure } from "./figures";
import { figureModels } from "./model-figures";
import { latentHeatmapFigure } from "./heatmaps";

/** Twelve 16×16 greyscale images of seeded random bytes. */
function randomImages(): ImageSet {
  const rng = new Rng(5);
  return new ImageSet("noise-images", 16, 16, 1, Uint8Array.from({ length: 12 * 256 }, () => rng.int(256)));
}

const config: TrainingConfig = {
  model: { height: 16, width: 16, channels: 1, latents: 3, convChannels: 2, hidden: 8, likelihood: "bernoulli", variance: 1 },
  objective: { kind: "beta", beta: 4 }, optimiser: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: 4, seed: 1,
};

/** Awaits `run` and returns its error, failing if it did not throw. */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

async function expectNoFactors(run: () => unknown, message: string): Promise<void> {
  const err = await errorOf(run);
  expect(err).toBeInstanceOf(NoFactorsError);
  expect(err.message).toBe(message);
}

describe("an image source without factors", () => {
  const images = randomImages();
  const backend = new ReferenceBackend();

  it("trains a model, draws its figures, and is refused by every metric in one line", async () => {
    const trainer = new Trainer(backend, config, new ImageSampler(images, config.seed + 1));
    const first = await trainer.trainStep();
    for (let i = 0; i < 3; i++) await trainer.trainStep();
    expect(trainer.step).toBe(4);
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(trainer.getState().source).toEqual({ dataset: "noise-images", rng: expect.any(Object) });

    const models = figureModels(backend, trainer.model);
    const recon = await reconstructionFigure(models.batch, images, 7);
    expect(recon.channels).toBe(1);
    expect(recon.width).toBeGreaterThan(8 * 16);
    expect((await latentUsage(models.batch, images, 7, 1)).kl).toHaveLength(3);

    const encoder = modelEncoder(trainer.model);
    await expectNoFactors(() => evaluate(images, encoder), "cannot compute betavae, factorvae, mig: noise-images has images but no ground-truth factors");
    await expectNoFactors(() => evaluate(images, encoder, { metrics: ["mig"] }), "cannot compute mig: noise-images has images but no ground-truth factors");
    await expectNoFactors(() => new CodeCache(images, encoder), "cannot cache codes by factors: noise-images has images but no ground-truth factors");
    await expectNoFactors(() => latentHeatmapFigure(images, encoder), "cannot draw latent heatmaps: noise-images has images but no ground-truth factors");
    await expectNoFactors(() => groundTruthEncoder(images), "cannot encode by the ground-truth factors: noise-images has images but no ground-truth factors");
  });

  it("refuses before encoding a single image", async () => {
    let encoded = 0;
    const counting: Encoder = {
      description: "counting", latents: 2, imageSize: 256, batch: 8,
      async encode(_images, _factors, count) {
        encoded += count;
      },
    };
    await expect(evaluate(images, counting)).rejects.toThrow(NoFactorsError);
    expect(encoded).toBe(0);
  });

  it("sizes an untrained reference network from the source", () => {
    const encoder = randomEncoder(backend, images, 1, 4);
    expect([encoder.imageSize, encoder.batch]).toEqual([256, 4]);
  });
});
