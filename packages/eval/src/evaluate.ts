// Several metrics over one code cache: the images the metrics share are encoded once.
// Each metric draws from its own Rng(seed), so a score does not depend on which other
// metrics ran beside it. `evaluateCodes` scores given (code, factor) pairs instead.
import { type ImageSource, requireFactors } from "@betavae/datasets";
import { CodeCache } from "./cache";
import { type CodeFactorSplit, type CodeSource, drawSplit, scoreCodes } from "./code-factor-metric";
import type { Encoder } from "./encoder";
import type { MetricResult } from "./metric";
import { CODE_FACTOR_METRICS, DEFAULT_METRICS, DEFAULT_SAMPLES, type MetricName, type SampleCounts, codeFactorKindOf, metricKind } from "./registry";

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
  const metrics = options.metrics ?? DEFAULT_METRICS;
  const dataset = requireFactors(source, `compute ${metrics.join(", ")}`);
  const kinds = metrics.map(metricKind);
  const seed = options.seed ?? 0;
  const samples = { ...DEFAULT_SAMPLES, ...options.samples } as SampleCounts;
  const cache = new CodeCache(dataset, encoder);
  const results: MetricResult[] = [];
  for (const kind of kinds) {
    const progress = (done: number, total: number) => options.progress?.(kind.name, done, total, cache.encoded);
    if (kind.needs === "dataset") {
      results.push(await kind.run(cache, seed, samples, progress));
      continue;
    }
    const started = performance.now();
    const { train, test } = kind.rows(samples);
    const split = await drawSplit(cache, seed, train, test);
    progress(train + test, train + test);
    const result = scoreCodes(kind, split, { dataset: dataset.name, encoder: encoder.description, seed });
    results.push({ ...result, seconds: (performance.now() - started) / 1000 });
  }
  return {
    dataset: dataset.name, encoder: encoder.description, seed, samples, results,
    imagesEncoded: cache.encoded, codesRequested: cache.requested, seconds: (performance.now() - started) / 1000,
  };
}

/** Scores given (code, factor) pairs with code-factor metrics (all of them when none are named). */
export function evaluateCodes(split: CodeFactorSplit, source: Omit<CodeSource, "seed">, metrics?: readonly MetricName[]): Evaluation {
  const started = performance.now();
  const kinds = (metrics ?? CODE_FACTOR_METRICS).map(codeFactorKindOf);
  const results = kinds.map((kind) => scoreCodes(kind, split, { ...source, seed: 0 }));
  return {
    ...source, seed: 0, samples: { train: split.train.count, test: split.test.count }, results,
    imagesEncoded: 0, codesRequested: 0, seconds: (performance.now() - started) / 1000,
  };
}
