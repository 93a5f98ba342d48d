// What every metric result records, so a score can be re-run from its own JSON, and what a
// metric declares about itself for the registry.
import type { CodeCache } from "./cache";
import type { CodeFactorSplit, CodeSource } from "./code-factor-metric";

export interface MetricResultBase {
  /** The headline number: evaluation accuracy (BetaVAE, FactorVAE), the MIG, DCI's disentanglement. */
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

/** What every result is: a metric's own fields on the common ones. */
export type MetricResult = MetricResultBase & { metric: string };

/** What `evaluate` and the front ends know of a metric (registry.ts lists them). */
interface MetricKindBase {
  /** Its name in --metrics, eval.json and study reports. */
  readonly name: string;
  /** Run when no metric list is given. */
  readonly byDefault: boolean;
  /** Its sample counts by name (disentanglement_lib's defaults); the names are unique across metrics. */
  readonly samples: Readonly<Record<string, number>>;
  /** Its counts scaled from one number n (`bvae eval --samples N`): n points, n/2 evaluation points. */
  scaled(n: number): Record<string, number>;
  /**
   * Reported beside the score: column `<name>_<key>` holds the result's field `columns[key]`
   * (DCI's completeness and informativeness, modularity's test explicitness).
   */
  readonly columns: Readonly<Record<string, string>>;
  /** How the score was computed, in one line for the printed table. */
  detail(result: MetricResult): string;
}

/** A metric that draws its own images from the dataset (BetaVAE's pairs, FactorVAE's votes). */
export interface DatasetMetricKind extends MetricKindBase {
  readonly needs: "dataset";
  run(cache: CodeCache, seed: number, samples: Readonly<Record<string, number>>, progress: ProgressFn): Promise<MetricResult>;
}

/** A metric of (code, factor) pairs alone: it scores codes from anywhere (`bvae eval --codes`). */
export interface CodeFactorMetricKind extends MetricKindBase {
  readonly needs: "codes";
  /** Rows to draw from a dataset for it: fitted, then tested. */
  rows(samples: Readonly<Record<string, number>>): { train: number; test: number };
  /** Its result fields from the pairs; `source` says what they are codes of (drawn with `source.seed`). */
  compute(split: CodeFactorSplit, source: CodeSource): { score: number };
}

export type MetricKind = DatasetMetricKind | CodeFactorMetricKind;
