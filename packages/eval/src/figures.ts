// The figures a run ends with: reconstructions beside their inputs, and latent traversals
// (each latent swept from −range to +range around a seed image's mean; rows ordered by mean
// KL, high to low, with the KL written beside each row).
import { type BetaVAE, Rng } from "@betavae/core";
import { type ImageSource, type RasterImage, imageGrid } from "@betavae/datasets";
import { drawText, textWidth } from "./font";
import { klOrder } from "./kl-curves";

const ZOOM = 2;
const GAP = 2;

/** Decoder outputs as displayable images in [0, 1]: sigmoid of Bernoulli logits, or the Gaussian mean. */
export function displayImages(model: BetaVAE, output: Float32Array): Float32Array {
  return model.config.likelihood === "bernoulli" ? output.map((v) => 1 / (1 + Math.exp(-v))) : output.map((v) => Math.min(1, Math.max(0, v)));
}

/** Encodes the images in the model's input and decodes their means: the reconstruction. */
async function reconstructMeans(model: BetaVAE): Promise<Float32Array> {
  const be = model.backend;
  model.encode();
  be.write(model.z, await be.read(model.mu));
  model.decode();
  return displayImages(model, await be.read(model.output));
}

/** Mean KL per latent over a batch of dataset images (what orders traversal rows). */
export async function klPerLatent(model: BetaVAE, dataset: ImageSource, seed: number): Promise<number[]> {
  return (await latentUsage(model, dataset, seed, 1)).kl;
}

export interface LatentUsage {
  /** mean KL(q(z_j|x) ‖ N(0, 1)) per latent, nats */
  kl: number[];
  /** standard deviation of each latent's posterior mean over the images */
  meanStd: number[];
  images: number;
}

/**
 * Each latent's KL next to how much its posterior mean varies over `batches` batches of
 * dataset images. A latent with KL but a near-constant mean pays for capacity with a
 * narrow or shifted posterior and carries no information: the capacity objective counts
 * its KL towards C all the same.
 */
export async function latentUsage(model: BetaVAE, dataset: ImageSource, seed: number, batches = 16): Promise<LatentUsage> {
  const be = model.backend;
  const { latents } = model.config;
  const rng = new Rng(seed);
  const images = new Float32Array(model.input.length);
  const kl = new Float64Array(latents), sum = new Float64Array(latents), squares = new Float64Array(latents);
  for (let b = 0; b < batches; b++) {
    dataset.sampleBatch(rng, model.batch, images);
    be.write(model.input, images);
    model.encode();
    be.klForward(model.klTotal, model.klPerLatent, model.mu, model.logvar, model.batch, latents);
    const [batchKl, mu] = [await be.read(model.klPerLatent), await be.read(model.mu)];
    for (let j = 0; j < latents; j++) kl[j] += batchKl[j] / batches;
    for (let i = 0; i < model.batch; i++) {
      for (let j = 0; j < latents; j++) {
        const m = mu[i * latents + j];
        sum[j] += m;
        squares[j] += m * m;
      }
    }
  }
  const n = batches * model.batch;
  const meanStd = Array.from(sum, (s, j) => Math.sqrt(Math.max(0, squares[j] / n - (s / n) ** 2)));
  return { kl: Array.from(kl), meanStd, images: n };
}

/** 4 rows of 8: inputs, their reconstructions, inputs, reconstructions. */
export async function reconstructionFigure(model: BetaVAE, dataset: ImageSource, seed: number): Promise<RasterImage> {
  const columns = 8;
  const { height: h, width: w, channels: c } = model.config;
  const size = h * w * c;
  const images = new Float32Array(model.input.length);
  dataset.sampleBatch(new Rng(seed), model.batch, images);
  model.backend.write(model.input, images);
  const recon = await reconstructMeans(model);
  const tiles = new Float32Array(4 * columns * size);
  for (let pair = 0; pair < 2; pair++) {
    for (let i = 0; i < columns; i++) {
      const src = (pair * columns + i) * size;
      tiles.set(images.subarray(src, src + size), ((2 * pair) * columns + i) * size);
      tiles.set(recon.subarray(src, src + size), ((2 * pair + 1) * columns + i) * size);
    }
  }
  return imageGrid(tiles, { count: 4 * columns, columns, height: h, width: w, channels: c as 1 | 3, zoom: ZOOM, gap: GAP });
}

/** The encoder's mean for one image (the first row of `model`'s batch). */
export async function posteriorMean(model: BetaVAE, image: Float32Array): Promise<Float32Array> {
  const input = new Float32Array(model.input.length);
  input.set(image);
  model.backend.write(model.input, input);
  model.encode();
  return (await model.backend.read(model.mu)).slice(0, model.config.latents);
}

/**
 * One row per latent, ordered by `kl` (high to low): the decoder's output as that latent goes
 * from −range to +range, the others held at `mean` (a seed image's posteriorMean).
 */
export async function traversalFigure(model: BetaVAE, mean: ArrayLike<number>, kl: number[], range: number): Promise<RasterImage> {
  const be = model.backend;
  const { height: h, width: w, channels: c, latents } = model.config;
  if (mean.length !== latents) throw new RangeError(`mean has ${mean.length} values, the model has ${latents} latents`);
  const steps = model.batch;
  const size = h * w * c;
  const order = klOrder(kl);
  const tiles = new Float32Array(latents * steps * size);
  const z = new Float32Array(steps * latents);
  for (const [row, j] of order.entries()) {
    for (let s = 0; s < steps; s++) {
      z.set(mean, s * latents);
      z[s * latents + j] = steps === 1 ? 0 : -range + (2 * range * s) / (steps - 1);
    }
    be.write(model.z, z);
    model.decode();
    tiles.set(displayImages(model, await be.read(model.output)), row * steps * size);
  }
  const grid = imageGrid(tiles, { count: latents * steps, columns: steps, height: h, width: w, channels: c as 1 | 3, zoom: ZOOM, gap: GAP });
  // a left margin with "z<j>" and the KL of each row
  const scale = 3;
  const labels = order.map((j) => [`z${j}`, `${kl[j].toFixed(2)}`]);
  const margin = Math.max(...labels.map(([a, b]) => Math.max(textWidth(a, scale), textWidth(b, scale)))) + 8;
  const canvas: RasterImage = { width: grid.width + margin, height: grid.height, channels: grid.channels, data: new Uint8Array((grid.width + margin) * grid.height * grid.channels) };
  for (let y = 0; y < grid.height; y++) {
    canvas.data.set(grid.data.subarray(y * grid.width * grid.channels, (y + 1) * grid.width * grid.channels), (y * canvas.width + margin) * canvas.channels);
  }
  const rowHeight = h * ZOOM + GAP;
  labels.forEach(([name, value], row) => {
    const top = GAP + row * rowHeight + Math.max(0, (h * ZOOM - 11 * scale) / 2);
    drawText(canvas, name, 4, top, scale);
    drawText(canvas, value, 4, top + 6 * scale, scale, 180);
  });
  return canvas;
}
