// A model's figures from a seed: each draw from its own offset of the seed, the traversal
// TRAVERSAL_STEPS wide around the seed image's mean, and the same bytes every time.
import { BetaVAE, type ModelConfig, ReferenceBackend, Rng } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { klPerLatent, posteriorMean } from "./figures";
import { FIGURE_SEED_OFFSETS, TRAVERSAL_STEPS, drawModelFigures, figureModels, modelFigurePngs } from "./model-figures";
import { syntheticDataset } from "./test-fixtures";

const CONFIG: ModelConfig = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 4, hidden: 8, likelihood: "bernoulli", variance: 1 };

describe("drawModelFigures", () => {
  it("draws KL, reconstructions and the traversal from one seed, the same bytes each time", async () => {
    const backend = new ReferenceBackend();
    const trained = BetaVAE.build(backend, CONFIG, 4);
    trained.initialise(new Rng(5));
    const dataset = syntheticDataset([4, 4]);
    const models = figureModels(backend, trained);
    expect([models.batch.batch, models.traversal.batch]).toEqual([64, TRAVERSAL_STEPS]);
    const figures = await drawModelFigures(models, dataset, 9);
    expect(figures.kl).toEqual(await klPerLatent(models.batch, dataset, 9 + FIGURE_SEED_OFFSETS.kl));
    const seedImage = new Float32Array(dataset.imageSize);
    dataset.sampleBatch(new Rng(9 + FIGURE_SEED_OFFSETS.seedImage), 1, seedImage);
    expect(figures.seedImage).toEqual(seedImage);
    expect(figures.mean).toEqual(Array.from(await posteriorMean(models.traversal, seedImage)));
    expect([...figures.order].sort()).toEqual([0, 1, 2]);
    const pngs = modelFigurePngs(figures);
    expect(Object.keys(pngs)).toEqual(["reconstructions.png", "traversal.png"]);
    const again = modelFigurePngs(await drawModelFigures(figureModels(backend, trained), dataset, 9));
    expect(Buffer.from(again["traversal.png"]).equals(Buffer.from(pngs["traversal.png"]))).toBe(true);
    expect(Buffer.from(again["reconstructions.png"]).equals(Buffer.from(pngs["reconstructions.png"]))).toBe(true);
    const other = modelFigurePngs(await drawModelFigures(models, dataset, 10));
    expect(Buffer.from(other["reconstructions.png"]).equals(Buffer.from(pngs["reconstructions.png"]))).toBe(false);
    await expect(drawModelFigures({ ...models, traversal: BetaVAE.build(backend, CONFIG, 8, trained) }, dataset, 9))
      .rejects.toThrow(`the traversal model has batch 8, figures use ${TRAVERSAL_STEPS} steps`);
  });
});
