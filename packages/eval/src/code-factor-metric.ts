// What a code-factor metric reads: (code, factor) pairs and nothing else, so it scores a
// checkpoint's encoder means and a representation made anywhere else alike. For a checkpoint
// the pairs are drawn from the dataset (drawSplit); `bvae eval --codes` reads them from a file
// (splitRows).
import { Rng } from "@betavae/core";
import { sampleFactors } from "@betavae/datasets";
import type { CodeCache } from "./cache";
import { variedFactors } from "./factors";
import type { CodeFactorMetricKind, MetricResult } from "./metric";

export interface CodeFactorSplit {
  latents: number; // D
  factorSizes: readonly number[]; // K factors, values are integers 0..size-1
  factorNames: readonly string[];
  train: { codes: Float64Array; factors: Int32Array; count: number }; // row-major count×D, count×K
  test: { codes: Float64Array; factors: Int32Array; count: number };
}

/** One side of a split. */
export type CodeFactorRows = CodeFactorSplit["train"];

/**
 * `train` then `test` fresh factor samples from Rng(seed) (as disentanglement_lib draws
 * num_train then num_test), their codes from the cache, over the factors that vary.
 */
export async function drawSplit(cache: CodeCache, seed: number, train: number, test: number): Promise<CodeFactorSplit> {
  const ds = cache.dataset;
  const varied = variedFactors(ds);
  const rng = new Rng(seed);
  const draw = async (count: number): Promise<CodeFactorRows> => {
    const all = sampleFactors(ds, rng, count);
    const codes = Float64Array.from(await cache.codes(all, count));
    const K = ds.factors.length;
    const factors = new Int32Array(count * varied.length);
    for (let i = 0; i < count; i++) varied.forEach((k, v) => (factors[i * varied.length + v] = all[i * K + k]));
    return { codes, factors, count };
  };
  const trainRows = await draw(train);
  const testRows = await draw(test);
  return {
    latents: cache.latents, factorSizes: varied.map((k) => ds.factors[k].size), factorNames: varied.map((k) => ds.factors[k].name),
    train: trainRows, test: testRows,
  };
}

/**
 * A split of `count` (code, factor) rows held in order: the first ⌊2·count/3⌋ fit, the rest
 * test (disentanglement_lib's 10,000 / 5,000). Factor sizes are each column's maximum + 1;
 * columns that take one value carry no information and are left out, as for a dataset's.
 */
export function splitRows(codes: Float64Array, factors: Int32Array, count: number, latents: number, names: readonly string[]): CodeFactorSplit {
  const K = names.length;
  if (codes.length !== count * latents || factors.length !== count * K) throw new RangeError(`splitRows: ${count} rows need ${count * latents} codes and ${count * K} factors`);
  const kept = names.flatMap((_, k) => {
    for (let i = 1; i < count; i++) if (factors[i * K + k] !== factors[k]) return [k];
    return [];
  });
  if (kept.length === 0) throw new RangeError("every factor takes a single value: there is nothing to measure");
  const rows = (first: number, n: number): CodeFactorRows => {
    const f = new Int32Array(n * kept.length);
    for (let i = 0; i < n; i++) kept.forEach((k, v) => (f[i * kept.length + v] = factors[(first + i) * K + k]));
    return { codes: codes.slice(first * latents, (first + n) * latents), factors: f, count: n };
  };
  const train = Math.floor((2 * count) / 3);
  return {
    latents,
    factorSizes: kept.map((k) => {
      let max = 0;
      for (let i = 0; i < count; i++) max = Math.max(max, factors[i * K + k]);
      return max + 1;
    }),
    factorNames: kept.map((k) => names[k]),
    train: rows(0, train),
    test: rows(train, count - train),
  };
}

/**
 * A code-factor metric with disentanglement_lib's usual counts (`<name>Train` fitted,
 * `<name>Test` tested; 10,000 and 5,000) from its compute function. `columns` maps report
 * columns (`<name>_<key>`) to the result fields reported beside the score.
 */
export function codeFactorKind<R extends { score: number }>(spec: {
  name: string;
  compute: (split: CodeFactorSplit, source: CodeSource) => R;
  columns?: Readonly<Record<string, string>>;
  detail?: (result: R & MetricResult) => string;
  byDefault?: boolean;
  train?: number;
  test?: number;
}): CodeFactorMetricKind {
  const trainKey = `${spec.name}Train`, testKey = `${spec.name}Test`;
  const columns = spec.columns ?? {};
  return {
    name: spec.name,
    needs: "codes",
    byDefault: spec.byDefault ?? false,
    samples: { [trainKey]: spec.train ?? 10000, [testKey]: spec.test ?? 5000 },
    scaled: (n) => ({ [trainKey]: n, [testKey]: Math.max(1, Math.round(n / 2)) }),
    rows: (samples) => ({ train: samples[trainKey], test: samples[testKey] }),
    columns,
    compute: spec.compute,
    detail: (r) => spec.detail?.(r as R & MetricResult)
      ?? [rowsLine(r), ...Object.entries(columns).map(([c, field]) => `${c} ${Number((r as unknown as Record<string, number>)[field]).toFixed(4)}`)].join("; "),
  };
}

/** Where a code-factor result's codes came from, added to what the metric computed. */
export interface CodeSource {
  dataset: string;
  encoder: string;
  seed: number;
}

/**
 * `kind` on `split`, as a result: the metric's fields, the factors measured (the metric's own
 * list when it keeps one), the source (the runner's, over any the metric recorded), the rows
 * used, the time taken.
 */
export function scoreCodes(kind: CodeFactorMetricKind, split: CodeFactorSplit, source: CodeSource): MetricResult {
  const started = performance.now();
  const computed = kind.compute(split, source);
  return {
    factors: [...split.factorNames], ...computed, ...source, metric: kind.name,
    rows: { train: split.train.count, test: split.test.count }, seconds: (performance.now() - started) / 1000,
  } as MetricResult;
}

/** "10000 train / 5000 test codes" of a code-factor result. */
export function rowsLine(result: MetricResult): string {
  const rows = (result as MetricResult & { rows?: { train: number; test: number } }).rows;
  return rows ? `${rows.train} train / ${rows.test} test codes` : "";
}
