// Encoders: what the metrics measure. An encoder maps a batch of images to their codes: the
// encoder *means*, never samples (docs/ARCHITECTURE.md, "Metrics"). Besides a trained model,
// two reference points bracket every score: the ground-truth factors themselves, and an untrained network.
import { type Backend, BURGESS_CONFIG, BetaVAE, Rng } from "@betavae/core";
import { type ImageSource, requireFactors } from "@betavae/datasets";
import { variedFactors } from "./factors";

export interface Encoder {
  /** What produced the codes; recorded in every result. */
  readonly description: string;
  /** Length of one code. */
  readonly latents: number;
  /** Floats per input image, or null for an encoder that reads only the factor indices (then no image is rendered). */
  readonly imageSize: number | null;
  /** Most images one encode() call takes. */
  readonly batch: number;
  /**
   * Codes of `count` images: `images` holds them (count · imageSize floats, HWC; unused when
   * imageSize is null), `factors` their factor indices (count · dataset.factors.length);
   * writes count · latents floats into `out`.
   */
  encode(images: Float32Array, factors: Int32Array, count: number, out: Float32Array): Promise<void>;
}

/** A model's encoder means (model.mu), `model.batch` images per call. */
export function modelEncoder(model: BetaVAE, description = `model (${model.config.latents} latents)`): Encoder {
  const be = model.backend;
  const { latents } = model.config;
  return {
    description,
    latents,
    imageSize: model.pixels,
    batch: model.batch,
    async encode(images, _factors, count, out) {
      if (count > model.batch) throw new RangeError(`encode got ${count} images, the model takes at most ${model.batch}`);
      // a short last batch leaves stale images in the rest of the input: each image is encoded
      // independently, and only the first `count` codes are read
      be.write(model.input, images.subarray(0, count * model.pixels));
      model.encode();
      const mu = await be.read(model.mu);
      out.set(mu.subarray(0, count * latents));
    },
  };
}

/**
 * The factors themselves as the code: one latent per factor that varies, its value
 * standardised over the factor's values (zero mean, unit variance), so no factor dominates
 * by its units. The ceiling of every metric.
 */
export function groundTruthEncoder(source: ImageSource): Encoder {
  const dataset = requireFactors(source, "encode by the ground-truth factors");
  const varied = variedFactors(dataset);
  const tables = varied.map((i) => {
    const values = dataset.factors[i].values;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    return values.map((v) => (v - mean) / std);
  });
  const k = dataset.factors.length;
  return {
    description: "ground truth (standardised factor values)",
    latents: varied.length,
    imageSize: null,
    batch: 4096,
    async encode(_images, factors, count, out) {
      for (let n = 0; n < count; n++) {
        for (let j = 0; j < varied.length; j++) out[n * varied.length + j] = tables[j][factors[n * k + varied[j]]];
      }
    },
  };
}

/**
 * An untrained network: the Burgess architecture at the source's image size, initialised
 * from `seed` exactly as training would start. The floor a trained model must clear.
 */
export function randomEncoder(backend: Backend, source: ImageSource, seed: number, batch = 64): Encoder {
  const config = { ...BURGESS_CONFIG, height: source.height, width: source.width, channels: source.channels };
  const model = BetaVAE.build(backend, config, batch);
  model.initialise(new Rng(seed));
  return modelEncoder(model, `random (untrained ${config.latents}-latent network, init seed ${seed})`);
}
