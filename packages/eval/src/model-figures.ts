// A model's figures from one seed: KL per latent, reconstructions, and the traversal around a
// seed image's mean. The CLI's files and the page's view both come from here, so one checkpoint
// and one seed draw the same pictures wherever they are drawn.
import { type Backend, BetaVAE, Rng } from "@betavae/core";
import { type ImageSource, type RasterImage, encodePng } from "@betavae/datasets";
import { klPerLatent, posteriorMean, reconstructionFigure, traversalFigure } from "./figures";
import { klOrder } from "./kl-curves";

/** Images per traversal row. */
export const TRAVERSAL_STEPS = 11;
/** Traversals sweep each latent over [−RANGE, RANGE] around the seed image's mean. */
export const TRAVERSAL_RANGE = 3;
/**
 * Offsets from the figure seed of each random draw, so no two share a stream (a run's figures
 * use its training seed, whose + 1 feeds the training batches).
 */
export const FIGURE_SEED_OFFSETS = { kl: 2, reconstructions: 3, seedImage: 4 } as const;

/** Images per batch for reconstructions and KL per latent. */
const FIGURE_BATCH = 64;

export interface FigureModels {
  /** a model of batch FIGURE_BATCH, for reconstructions and KL per latent */
  batch: BetaVAE;
  /** a model of batch TRAVERSAL_STEPS, for traversals */
  traversal: BetaVAE;
}

/**
 * Models sharing `trained`'s parameters at the batch sizes figures use. A trained model of
 * batch 64 serves as the batch model itself (its activations are scratch between steps), which
 * spares a second set of activations.
 */
export function figureModels(backend: Backend, trained: BetaVAE): FigureModels {
  return {
    batch: trained.batch === FIGURE_BATCH ? trained : BetaVAE.build(backend, trained.config, FIGURE_BATCH, trained),
    traversal: BetaVAE.build(backend, trained.config, TRAVERSAL_STEPS, trained),
  };
}

export interface ModelFigures {
  /** mean KL per latent over a batch of dataset images */
  kl: number[];
  /** latent indices, highest KL first: the traversal's rows */
  order: number[];
  /** the seed image's posterior mean */
  mean: number[];
  seedImage: Float32Array;
  traversal: RasterImage;
  reconstructions: RasterImage;
}

/** The figures of `models` on `dataset` from `seed`. */
export async function drawModelFigures(models: FigureModels, dataset: ImageSource, seed: number): Promise<ModelFigures> {
  if (models.traversal.batch !== TRAVERSAL_STEPS) throw new RangeError(`the traversal model has batch ${models.traversal.batch}, figures use ${TRAVERSAL_STEPS} steps`);
  const kl = await klPerLatent(models.batch, dataset, seed + FIGURE_SEED_OFFSETS.kl);
  const reconstructions = await reconstructionFigure(models.batch, dataset, seed + FIGURE_SEED_OFFSETS.reconstructions);
  const seedImage = new Float32Array(dataset.imageSize);
  dataset.sampleBatch(new Rng(seed + FIGURE_SEED_OFFSETS.seedImage), 1, seedImage);
  const mean = await posteriorMean(models.traversal, seedImage);
  const traversal = await traversalFigure(models.traversal, mean, kl, TRAVERSAL_RANGE);
  return { kl, order: klOrder(kl), mean: Array.from(mean), seedImage, traversal, reconstructions };
}

/** The figures as the files a run directory holds: name → PNG bytes. */
export function modelFigurePngs(figures: ModelFigures): Record<"reconstructions.png" | "traversal.png", Uint8Array> {
  return { "reconstructions.png": encodePng(figures.reconstructions), "traversal.png": encodePng(figures.traversal) };
}
