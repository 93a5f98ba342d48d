// The FactorVAE metric (Kim & Mnih 2018), as disentanglement_lib computes it: each latent is
// scaled by its standard deviation over 10,000 random images, latents with std < 0.05 are
// dropped as collapsed, and each vote fixes one factor k (one random value) over 64 images
// and names the latent of least scaled variance. A majority-vote classifier (each latent →
// the factor it was most often named for) is built from 10,000 votes and scored on 5,000.
import { INFORMATIVE_STD, Rng } from "@betavae/core";
import { sampleFactors } from "@betavae/datasets";
import type { CodeCache } from "./cache";
import { variedFactors } from "./factors";
import { BLOCK_IMAGES, type DatasetMetricKind, type MetricResult, type MetricResultBase, type ProgressFn, latentVariance } from "./metric";

export const FACTORVAE_DEFAULTS = { seed: 0, batchSize: 64, trainVotes: 10000, evalVotes: 5000, varianceSamples: 10000, stdThreshold: INFORMATIVE_STD };

export type FactorVaeOptions = Partial<typeof FACTORVAE_DEFAULTS> & { progress?: ProgressFn };

export interface FactorVaeResult extends MetricResultBase {
  metric: "factorvae";
  trainAccuracy: number;
  evalAccuracy: number;
  batchSize: number;
  trainVotes: number;
  evalVotes: number;
  varianceSamples: number;
  stdThreshold: number;
  /** Each latent's std over the variance samples. */
  globalStd: number[];
  /** Latents kept (std ≥ threshold). */
  activeLatents: number[];
  /** For each active latent, the factor the majority vote assigns it (null: never voted for). */
  assignment: Record<string, string | null>;
}

export async function factorVaeMetric(cache: CodeCache, options: FactorVaeOptions = {}): Promise<FactorVaeResult> {
  const o = { ...FACTORVAE_DEFAULTS, ...options };
  if (o.batchSize < 2 || o.trainVotes < 1 || o.evalVotes < 1 || o.varianceSamples < 2) throw new RangeError("FactorVAE metric: batch size and variance samples must be at least 2, vote counts at least 1");
  const started = performance.now();
  const ds = cache.dataset;
  const varied = variedFactors(ds);
  const L = cache.latents;
  const rng = new Rng(o.seed);
  const total = o.varianceSamples + o.trainVotes + o.evalVotes;

  const sample = await cache.codes(sampleFactors(ds, rng, o.varianceSamples), o.varianceSamples);
  const globalVar = Array.from({ length: L }, (_, j) => latentVariance(sample, L, 0, o.varianceSamples, j));
  const globalStd = globalVar.map(Math.sqrt);
  const active = globalStd.flatMap((s, j) => (s >= o.stdThreshold ? [j] : []));
  options.progress?.(o.varianceSamples, total);
  const base = {
    metric: "factorvae" as const,
    dataset: ds.name, encoder: cache.encoder.description, seed: o.seed, factors: varied.map((i) => ds.factors[i].name),
    batchSize: o.batchSize, trainVotes: o.trainVotes, evalVotes: o.evalVotes, varianceSamples: o.varianceSamples, stdThreshold: o.stdThreshold,
    globalStd, activeLatents: active,
  };
  if (active.length === 0) {
    // as disentanglement_lib: a code with no active latent scores 0
    return { ...base, score: 0, trainAccuracy: 0, evalAccuracy: 0, assignment: {}, seconds: (performance.now() - started) / 1000 };
  }

  const vote = (count: number, offset: number) => votes(cache, rng, varied, active, globalVar, o.batchSize, count, (done) => options.progress?.(offset + done, total));
  const train = await vote(o.trainVotes, o.varianceSamples);
  const test = await vote(o.evalVotes, o.varianceSamples + o.trainVotes);
  // votes[k][a]: how often factor k named active latent a; each latent is assigned its most frequent factor
  const classifier = active.map((_, a) => {
    let best = 0;
    for (let k = 1; k < varied.length; k++) if (train[k][a] > train[best][a]) best = k;
    return best;
  });
  const accuracyOf = (v: number[][], n: number) => active.reduce((s, _, a) => s + v[classifier[a]][a], 0) / n;
  const evalAccuracy = accuracyOf(test, o.evalVotes);
  return {
    ...base,
    score: evalAccuracy,
    trainAccuracy: accuracyOf(train, o.trainVotes),
    evalAccuracy,
    assignment: Object.fromEntries(active.map((j, a) => [`z${j}`, varied.some((_, k) => train[k][a] > 0) ? ds.factors[varied[classifier[a]]].name : null])),
    seconds: (performance.now() - started) / 1000,
  };
}

export const FACTORVAE: DatasetMetricKind = {
  name: "factorvae",
  needs: "dataset",
  byDefault: true,
  samples: { factorvaeTrain: FACTORVAE_DEFAULTS.trainVotes, factorvaeEval: FACTORVAE_DEFAULTS.evalVotes, factorvaeVariance: FACTORVAE_DEFAULTS.varianceSamples },
  scaled: (n) => ({ factorvaeTrain: n, factorvaeEval: Math.max(1, Math.round(n / 2)), factorvaeVariance: Math.max(2, n) }),
  columns: {},
  run: (cache, seed, samples, progress) => factorVaeMetric(cache, {
    seed, trainVotes: samples.factorvaeTrain, evalVotes: samples.factorvaeEval, varianceSamples: samples.factorvaeVariance, progress,
  }),
  detail: (result: MetricResult) => {
    const r = result as FactorVaeResult;
    return `${r.trainVotes} train / ${r.evalVotes} eval votes of ${r.batchSize}; ${r.activeLatents.length} of ${r.globalStd.length} latents active`;
  },
};

/** The vote matrix [varied factor][active latent] of `count` votes. */
async function votes(cache: CodeCache, rng: Rng, varied: number[], active: number[], globalVar: number[], batchSize: number, count: number, progress: (done: number) => void): Promise<number[][]> {
  const ds = cache.dataset;
  const K = ds.factors.length, L = cache.latents, B = batchSize;
  const out = varied.map(() => new Array<number>(active.length).fill(0));
  const perBlock = Math.max(1, Math.floor(BLOCK_IMAGES / B));
  const factors = new Int32Array(perBlock * B * K);
  const labels = new Int32Array(perBlock);
  const codes = new Float32Array(perBlock * B * L);
  for (let start = 0; start < count; start += perBlock) {
    const m = Math.min(perBlock, count - start);
    for (let p = 0; p < m; p++) {
      const label = rng.int(varied.length), k = varied[label];
      const f = factors.subarray(p * B * K, (p + 1) * B * K);
      sampleFactors(ds, rng, B, f);
      for (let b = 1; b < B; b++) f[b * K + k] = f[k];
      labels[p] = label;
    }
    await cache.codes(factors, m * B, codes);
    for (let p = 0; p < m; p++) {
      let argmin = 0, min = Infinity;
      active.forEach((j, a) => {
        const v = latentVariance(codes, L, p * B, B, j) / globalVar[j];
        if (v < min) {
          min = v;
          argmin = a;
        }
      });
      out[labels[p]][argmin]++;
    }
    progress(start + m);
  }
  return out;
}
