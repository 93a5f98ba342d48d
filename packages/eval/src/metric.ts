// What every metric result records, so a score can be re-run from its own JSON.

export interface MetricResultBase {
  /** The headline number: evaluation accuracy (BetaVAE, FactorVAE) or the MIG. */
  score: number;
  dataset: string;
  /** The encoder's description. */
  encoder: string;
  seed: number;
  /** Names of the factors measured (those with more than one value). */
  factors: string[];
  seconds: number;
}

/** Called as a metric's points are generated: done of total. */
export type ProgressFn = (done: number, total: number) => void;

/** Metrics draw their images in blocks of about this many, so the cache encodes full batches. */
export const BLOCK_IMAGES = 4096;

/** Unbiased variance (numpy's ddof = 1) of latent j over `count` codes starting at code `first`. */
export function latentVariance(codes: Float32Array, latents: number, first: number, count: number, j: number): number {
  let mean = 0;
  for (let n = 0; n < count; n++) mean += codes[(first + n) * latents + j];
  mean /= count;
  let ss = 0;
  for (let n = 0; n < count; n++) ss += (codes[(first + n) * latents + j] - mean) ** 2;
  return ss / (count - 1);
}
