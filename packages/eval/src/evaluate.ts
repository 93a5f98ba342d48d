// Several metrics over one code cache: the images the metrics share are encoded once.
// Each metric draws from its own Rng(seed), so a score does not depend on which other
// metrics ran beside it.
import { type ImageSource, requireFactors } from "@betavae/datasets";
import { type BetaVaeResult, betaVaeMetric } from "./betavae-metric";
import { CodeCache } from "./cache";
import type { Encoder } from "./encoder";
import { type FactorVaeResult, factorVaeMetric } from "./factorvae-metric";
import { type MigResult, migMetric } from "./mig";

export const METRIC_NAMES = ["betavae", "factorvae", "mig"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricResult = BetaVaeResult | FactorVaeResult | MigResult;

/** Sample counts of all three metrics; the defaults are disentanglement_lib's. */
export interface SampleCounts {
  betavaeTrain: number;
  betavaeEval: number;
  factorvaeTrain: number;
  factorvaeEval: number;
  factorvaeVariance: number;
  migSamples: number;
}

export const DEFAULT_SAMPLES: SampleCounts = {
  betavaeTrain: 10000, betavaeEval: 5000, factorvaeTrain: 10000, factorvaeEval: 5000, factorvaeVariance: 10000, migSamples: 10000,
};

/** Every count scaled from one number n, in the defaults' proportions: n training points, votes, variance and MIG samples; n/2 evaluation points. */
export function samplesFrom(n: number): SampleCounts {
  const half = Math.max(1, Math.round(n / 2));
  return { betavaeTrain: n, betavaeEval: half, factorvaeTrain: n, factorvaeEval: half, factorvaeVariance: Math.max(2, n), migSamples: Math.max(2, n) };
}

export interface EvaluateOptions {
  metrics?: readonly MetricName[];
  seed?: number;
  samples?: Partial<SampleCounts>;
  /** Reports progress: the metric running, points done of its total, images encoded so far. */
  progress?: (metric: MetricName, done: number, total: number, encoded: number) => void;
}

export interface Evaluation {
  dataset: string;
  encoder: string;
  seed: number;
  samples: SampleCounts;
  results: MetricResult[];
  /** Distinct images encoded, and codes handed out (the cache's saving is the ratio). */
  imagesEncoded: number;
  codesRequested: number;
  seconds: number;
}

/** Scores `encoder` on `source`; a source without factors is refused (NoFactorsError) before anything is encoded. */
export async function evaluate(source: ImageSource, encoder: Encoder, options: EvaluateOptions = {}): Promise<Evaluation> {
  const started = performance.now();
  const metrics = options.metrics ?? METRIC_NAMES;
  const dataset = requireFactors(source, `compute ${metrics.join(", ")}`);
  const seed = options.seed ?? 0;
  const samples = { ...DEFAULT_SAMPLES, ...options.samples };
  const cache = new CodeCache(dataset, encoder);
  const results: MetricResult[] = [];
  for (const metric of metrics) {
    const progress = (done: number, total: number) => options.progress?.(metric, done, total, cache.encoded);
    switch (metric) {
      case "betavae":
        results.push(await betaVaeMetric(cache, { seed, trainPoints: samples.betavaeTrain, evalPoints: samples.betavaeEval, progress }));
        break;
      case "factorvae":
        results.push(await factorVaeMetric(cache, { seed, trainVotes: samples.factorvaeTrain, evalVotes: samples.factorvaeEval, varianceSamples: samples.factorvaeVariance, progress }));
        break;
      case "mig":
        results.push(await migMetric(cache, { seed, samples: samples.migSamples, progress }));
        break;
      default:
        throw new RangeError(`unknown metric '${String(metric)}' (known: ${METRIC_NAMES.join(", ")})`);
    }
  }
  return {
    dataset: dataset.name, encoder: encoder.description, seed, samples, results,
    imagesEncoded: cache.encoded, codesRequested: cache.requested, seconds: (performance.now() - started) / 1000,
  };
}
