// The BetaVAE metric (Higgins et al. 2017), as disentanglement_lib computes it: each point
// picks a factor k, draws 64 pairs of images that share factor k (everything else random),
// and its feature is the mean over the pairs of |z₁ − z₂|; a linear classifier
// (multinomial logistic regression) learns k from the feature on 10,000 points and is
// scored on 5,000 more. A disentangled code leaves latent k unchanged within the pairs, which
// a linear classifier reads off at once.
import { Rng } from "@betavae/core";
import { sampleFactors } from "@betavae/datasets";
import type { CodeCache } from "./cache";
import { variedFactors } from "./factors";
import { accuracy, fitLogistic, predictLogistic } from "./logistic";
import { BLOCK_IMAGES, type DatasetMetricKind, type MetricResult, type MetricResultBase, type ProgressFn } from "./metric";

export const BETAVAE_DEFAULTS = { seed: 0, batchSize: 64, trainPoints: 10000, evalPoints: 5000, maxIterations: 100 };

export type BetaVaeOptions = Partial<typeof BETAVAE_DEFAULTS> & { progress?: ProgressFn };

export interface BetaVaeResult extends MetricResultBase {
  metric: "betavae";
  trainAccuracy: number;
  evalAccuracy: number;
  /** Pairs per point. */
  batchSize: number;
  trainPoints: number;
  evalPoints: number;
  /** The logistic regression's fit: L2 with C = 1, L-BFGS iterations used of the maximum. */
  classifier: { c: number; iterations: number; maxIterations: number; converged: boolean };
  /** Evaluation points by the factor held fixed (rows, in `factors` order) and the factor predicted (columns). */
  confusion: number[][];
}

export async function betaVaeMetric(cache: CodeCache, options: BetaVaeOptions = {}): Promise<BetaVaeResult> {
  const o = { ...BETAVAE_DEFAULTS, ...options };
  if (o.batchSize < 1 || o.trainPoints < 1 || o.evalPoints < 1) throw new RangeError("BetaVAE metric: batch size and point counts must be at least 1");
  const started = performance.now();
  const varied = variedFactors(cache.dataset);
  const rng = new Rng(o.seed);
  const total = o.trainPoints + o.evalPoints;
  const train = await featurePoints(cache, rng, varied, o.batchSize, o.trainPoints, (done) => options.progress?.(done, total));
  const test = await featurePoints(cache, rng, varied, o.batchSize, o.evalPoints, (done) => options.progress?.(o.trainPoints + done, total));
  const L = cache.latents;
  const fit = fitLogistic(train.x, train.y, o.trainPoints, L, varied.length, { maxIterations: o.maxIterations });
  const predicted = predictLogistic(fit, test.x, o.evalPoints);
  const confusion = varied.map(() => varied.map(() => 0));
  for (let i = 0; i < o.evalPoints; i++) confusion[test.y[i]][predicted[i]]++;
  const evalAccuracy = confusion.reduce((right, row, k) => right + row[k], 0) / o.evalPoints;
  return {
    metric: "betavae",
    score: evalAccuracy,
    trainAccuracy: accuracy(fit, train.x, train.y, o.trainPoints),
    evalAccuracy,
    dataset: cache.dataset.name,
    encoder: cache.encoder.description,
    seed: o.seed,
    factors: varied.map((i) => cache.dataset.factors[i].name),
    batchSize: o.batchSize,
    trainPoints: o.trainPoints,
    evalPoints: o.evalPoints,
    classifier: { c: 1, iterations: fit.iterations, maxIterations: o.maxIterations, converged: fit.converged },
    confusion,
    seconds: (performance.now() - started) / 1000,
  };
}

export const BETAVAE: DatasetMetricKind = {
  name: "betavae",
  needs: "dataset",
  byDefault: true,
  samples: { betavaeTrain: BETAVAE_DEFAULTS.trainPoints, betavaeEval: BETAVAE_DEFAULTS.evalPoints },
  scaled: (n) => ({ betavaeTrain: n, betavaeEval: Math.max(1, Math.round(n / 2)) }),
  columns: {},
  run: (cache, seed, samples, progress) => betaVaeMetric(cache, { seed, trainPoints: samples.betavaeTrain, evalPoints: samples.betavaeEval, progress }),
  detail: (result: MetricResult) => {
    const r = result as BetaVaeResult;
    return `${r.trainPoints} train / ${r.evalPoints} eval points of ${r.batchSize} pairs; per factor ${r.factors.map((f, k) => `${f} ${factorAccuracy(r.confusion[k], k)}`).join(", ")}`;
  },
};

/** How often the classifier named factor k when k was held fixed ("—" when no point held it). */
function factorAccuracy(row: number[], k: number): string {
  const points = row.reduce((a, b) => a + b, 0);
  return points === 0 ? "—" : (row[k] / points).toFixed(2);
}

/** `count` (feature, label) points; labels index `varied`. The rng is consumed as disentanglement_lib does: k, then the two batches. */
async function featurePoints(cache: CodeCache, rng: Rng, varied: number[], batchSize: number, count: number, progress: (done: number) => void): Promise<{ x: Float64Array; y: Int32Array }> {
  const ds = cache.dataset;
  const K = ds.factors.length, L = cache.latents, B = batchSize;
  const x = new Float64Array(count * L), y = new Int32Array(count);
  const perBlock = Math.max(1, Math.floor(BLOCK_IMAGES / (2 * B)));
  const factors = new Int32Array(perBlock * 2 * B * K);
  const codes = new Float32Array(perBlock * 2 * B * L);
  for (let start = 0; start < count; start += perBlock) {
    const m = Math.min(perBlock, count - start);
    for (let p = 0; p < m; p++) {
      const label = rng.int(varied.length), k = varied[label];
      const f1 = factors.subarray(2 * p * B * K, (2 * p + 1) * B * K);
      const f2 = factors.subarray((2 * p + 1) * B * K, (2 * p + 2) * B * K);
      sampleFactors(ds, rng, B, f1);
      sampleFactors(ds, rng, B, f2);
      for (let b = 0; b < B; b++) f2[b * K + k] = f1[b * K + k];
      y[start + p] = label;
    }
    await cache.codes(factors, 2 * m * B, codes);
    for (let p = 0; p < m; p++) {
      const row = (start + p) * L;
      for (let b = 0; b < B; b++) {
        const z1 = (2 * p * B + b) * L, z2 = ((2 * p + 1) * B + b) * L;
        for (let j = 0; j < L; j++) x[row + j] += Math.abs(codes[z1 + j] - codes[z2 + j]);
      }
      for (let j = 0; j < L; j++) x[row + j] /= B;
    }
    progress(start + m);
  }
  return { x, y };
}
