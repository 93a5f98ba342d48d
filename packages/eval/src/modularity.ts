// Modularity and explicitness (Ridgeway & Zemel 2018), as disentanglement_lib's
// modularity_explicitness.py computes them.
// Modularity: each latent of the training codes binned into 20 equal-width bins (MIG's
// discretiser), its plug-in mutual information with every factor; a latent's modularity is
// 1 − Σ_k≠k* MI² / (MI²_k* · (K − 1)) with k* its most informative factor (0 for a latent that
// carries no information); the score is the mean over latents.
// Explicitness: the codes standardised by the training rows' mean and (population) std; per
// factor, scikit-learn's LogisticRegression() (L2, C = 1, L-BFGS; multinomial, or one logistic
// for two classes) fitted on the training rows; the mean over the factor's classes of the
// one-vs-rest ROC AUC of that class's probability, on the training and on the test rows;
// averaged over factors.
import { type CodeFactorSplit, codeFactorKind, rowsLine } from "./code-factor-metric";
import { measuredFactorLabels } from "./factors";
import { fitLogistic, predictProbabilities } from "./logistic";
import type { MetricResultBase } from "./metric";
import { histogramDiscretize, mutualInformation } from "./mig";

export const MODULARITY_DEFAULTS = { bins: 20 };

export type ModularityOptions = Partial<typeof MODULARITY_DEFAULTS> & {
  /** Recorded in the result: what the codes are of, and what produced them. */
  dataset?: string;
  encoder?: string;
};

export interface ModularityResult extends MetricResultBase {
  metric: "modularity";
  /** The headline: mean modularity over latents (also `score`). */
  modularity: number;
  /** Mean over factors of the classifier's mean one-vs-rest ROC AUC, on the training and the test rows. */
  explicitnessTrain: number;
  explicitnessTest: number;
  bins: number;
  trainPoints: number;
  testPoints: number;
  /** Per latent: its modularity and most informative factor. */
  perLatent: { latent: number; modularity: number; topFactor: string }[];
  /** Per factor: explicitness on the training and test rows. */
  perFactor: { factor: string; explicitnessTrain: number; explicitnessTest: number }[];
  /** mutualInformation[j][k]: MI (nats) of binned latent j with measured factor k, over the training rows. */
  mutualInformation: number[][];
}

/** Modularity and explicitness of the split's codes; `score` is the modularity. No randomness: `seed` is recorded as 0. */
export function modularityMetric(split: CodeFactorSplit, options: ModularityOptions = {}): ModularityResult {
  const o = { ...MODULARITY_DEFAULTS, ...options };
  const started = performance.now();
  if (!(o.bins >= 1)) throw new RangeError(`modularity: at least 1 bin, got ${o.bins}`);
  const { varied, train: trainLabels, test: testLabels } = measuredFactorLabels(split, "modularity");
  const { train, test, latents: D } = split;

  const mi = Array.from({ length: D }, (_, j) => {
    const binned = histogramDiscretize(train.codes, D, j, train.count, o.bins);
    return trainLabels.map((y, v) => mutualInformation(binned, o.bins, y, split.factorSizes[varied[v]]));
  });
  const perLatent = mi.map((row, j) => {
    const top = row.reduce((best, v, k) => (v > row[best] ? k : best), 0);
    return { latent: j, modularity: latentModularity(row), topFactor: split.factorNames[varied[top]] };
  });
  const modularity = perLatent.reduce((s, l) => s + l.modularity, 0) / D;

  const [xTrain, xTest] = standardise(split);
  const perFactor = varied.map((k, v) => {
    const { train: auTrain, test: auTest } = explicitness(xTrain, trainLabels[v], train.count, xTest, testLabels[v], test.count, D);
    return { factor: split.factorNames[k], explicitnessTrain: auTrain, explicitnessTest: auTest };
  });
  return {
    metric: "modularity", score: modularity,
    dataset: o.dataset ?? "codes", encoder: o.encoder ?? "codes", seed: 0,
    factors: varied.map((k) => split.factorNames[k]),
    modularity,
    explicitnessTrain: perFactor.reduce((s, f) => s + f.explicitnessTrain, 0) / perFactor.length,
    explicitnessTest: perFactor.reduce((s, f) => s + f.explicitnessTest, 0) / perFactor.length,
    bins: o.bins, trainPoints: train.count, testPoints: test.count,
    perLatent, perFactor, mutualInformation: mi,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Modularity in the registry; its report column `modularity_explicitness` is the test rows' explicitness. */
export const MODULARITY = codeFactorKind<ModularityResult>({
  name: "modularity",
  compute: (split, { dataset, encoder }) => modularityMetric(split, { dataset, encoder }),
  columns: { explicitness: "explicitnessTest" },
  detail: (r) => `${rowsLine(r)}; explicitness train ${r.explicitnessTrain.toFixed(4)} / test ${r.explicitnessTest.toFixed(4)}`,
});

/** 1 − (Σ MI² − max MI²) / (max MI² · (K − 1)) for one latent's MI with the K factors; 0 if it has none. */
export function latentModularity(mi: readonly number[]): number {
  const squared = mi.map((v) => v * v);
  const max = Math.max(...squared);
  if (max === 0) return 0;
  const rest = squared.reduce((s, v) => s + v, 0) - max;
  return 1 - rest / (max * (mi.length - 1));
}

/**
 * Both parts' codes standardised by the training rows' mean and population std (numpy's
 * np.std), as disentanglement_lib's normalize_data. A constant latent (std 0, where
 * disentanglement_lib would divide by zero) becomes 0 everywhere: it tells the classifier nothing.
 */
function standardise(split: CodeFactorSplit): [Float64Array, Float64Array] {
  const D = split.latents, { train, test } = split;
  const mean = new Float64Array(D), std = new Float64Array(D);
  for (let n = 0; n < train.count; n++) for (let j = 0; j < D; j++) mean[j] += train.codes[n * D + j];
  for (let j = 0; j < D; j++) mean[j] /= train.count;
  for (let n = 0; n < train.count; n++) for (let j = 0; j < D; j++) std[j] += (train.codes[n * D + j] - mean[j]) ** 2;
  for (let j = 0; j < D; j++) std[j] = Math.sqrt(std[j] / train.count);
  const scaled = (codes: Float64Array) => codes.map((v, i) => (std[i % D] > 0 ? (v - mean[i % D]) / std[i % D] : 0));
  return [scaled(train.codes), scaled(test.codes)];
}

/**
 * One factor's explicitness: LogisticRegression() fitted on the training rows (labels renumbered
 * to the classes seen there, as scikit-learn's classes_), the mean one-vs-rest ROC AUC of each
 * class's probability on either part. A class absent from a part has no AUC there and is left out
 * of that part's mean (scikit-learn would refuse the mismatch).
 */
function explicitness(
  xTrain: Float64Array, yTrain: Int32Array, nTrain: number, xTest: Float64Array, yTest: Int32Array, nTest: number, d: number,
): { train: number; test: number } {
  const classes = [...new Set(yTrain)].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  const renumber = (y: Int32Array) => Int32Array.from(y, (c) => index.get(c) ?? -1);
  // scikit-learn fits two classes with one logistic of C = 1; the two-class softmax reaches the
  // same probabilities with half the C (its penalty ‖w₁‖² + ‖w₂‖² is ‖w₁ − w₂‖² / 2 at the optimum)
  const c = classes.length === 2 ? 0.5 : 1;
  const fit = fitLogistic(xTrain, renumber(yTrain), nTrain, d, classes.length, { c });
  const meanAuc = (x: Float64Array, y: Int32Array, n: number) => {
    const probabilities = predictProbabilities(fit, x, n);
    const aucs = classes.flatMap((_, k) => {
      const score = Float64Array.from({ length: n }, (_, i) => probabilities[i * classes.length + k]);
      const auc = rocAuc(score, Uint8Array.from(y, (v) => (v === k ? 1 : 0)));
      return Number.isNaN(auc) ? [] : [auc];
    });
    return aucs.length ? aucs.reduce((s, v) => s + v, 0) / aucs.length : Number.NaN;
  };
  return { train: meanAuc(xTrain, renumber(yTrain), nTrain), test: meanAuc(xTest, renumber(yTest), nTest) };
}

/**
 * Area under the ROC curve of `score` for the binary labels `positive`: the probability that a
 * random positive outscores a random negative, ties counting ½ (the Mann–Whitney statistic with
 * mid-ranks, equal to scikit-learn's trapezoidal roc_auc_score). NaN without both kinds.
 */
export function rocAuc(score: Float64Array, positive: Uint8Array): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let positives = 0, rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end < n && score[order[end]] === score[order[start]]) end++;
    const midRank = (start + 1 + end) / 2; // ranks start + 1 … end share their mean
    for (let t = start; t < end; t++) {
      if (positive[order[t]]) {
        positives++;
        rankSum += midRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
