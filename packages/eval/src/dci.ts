// DCI (Eastwood & Williams 2018), as disentanglement_lib's dci.py computes it: for each factor a
// gradient-boosted tree classifier (scikit-learn's GradientBoostingClassifier with its
// defaults) learns the factor from the codes of 10,000 samples; its feature importances make
// column k of the importance matrix R (codes × factors). Informativeness is the classifiers'
// mean accuracy on 5,000 more samples; disentanglement is Σ_j ρ_j (1 − H_K(R_j·)), each
// code's entropy over the factors weighted by the code's share of all importance;
// completeness is Σ_k ρ_k (1 − H_D(R_·k)), each factor's entropy over the codes weighted by
// its share. Entropies are of the rows (columns) + 1e-11, normalised, in base K (base D).
import { type CodeFactorSplit, codeFactorKind, rowsLine } from "./code-factor-metric";
import { factorColumn } from "./factors";
import { GRADIENT_BOOSTING_DEFAULTS, type GradientBoostingOptions, featureImportances, fitGradientBoosting, predictGradientBoosting, sortFeatures } from "./gradient-boosting";

export interface DciScore {
  metric: "dci";
  /** The disentanglement. */
  score: number;
  disentanglement: number;
  completeness: number;
  /** Mean test accuracy of the classifiers. */
  informativeness: number;
  /** Mean accuracy of the classifiers on the rows they were fitted to. */
  trainAccuracy: number;
  perFactor: { factor: string; trainAccuracy: number; testAccuracy: number; completeness: number }[];
  /** Per code: its disentanglement and its share ρ of the importance. */
  perCode: { disentanglement: number; weight: number }[];
  /** importance[j][k]: how much code j serves the classifier of factor k (each column sums to 1, or is 0). */
  importance: number[][];
  /** The trees' settings; seed breaks ties between equally good splits. */
  classifier: { estimators: number; maxDepth: number; learningRate: number; seed: number };
}

/** DCI of a split: classifiers fitted on its train rows, informativeness on its test rows. */
export function dciMetric(split: CodeFactorSplit, options: GradientBoostingOptions = {}): DciScore {
  const o = { ...GRADIENT_BOOSTING_DEFAULTS, ...options };
  const { latents: D, factorSizes, factorNames, train, test } = split;
  const K = factorSizes.length;
  if (train.count < 2 || test.count < 1) throw new RangeError("DCI: at least 2 train and 1 test rows");
  const sorted = sortFeatures(train.codes, train.count, D);
  const importance = Array.from({ length: D }, () => new Array<number>(K).fill(0));
  const accuracies = factorSizes.map((_, k) => {
    const y = factorColumn(train, K, k);
    if (y.every((v) => v === y[0])) throw new RangeError(`DCI: factor ${factorNames[k]} takes one value in all ${train.count} train rows, there is nothing to classify (use more rows)`);
    const model = fitGradientBoosting(sorted, y, o);
    featureImportances(model).forEach((v, j) => (importance[j][k] = Math.abs(v)));
    return { train: agreement(model.fitted, y), test: agreement(predictGradientBoosting(model, test.codes, test.count), factorColumn(test, K, k)) };
  });
  const { disentanglement, completeness, perCode, perFactor } = dciFromImportance(importance);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    metric: "dci", score: disentanglement, disentanglement, completeness,
    informativeness: mean(accuracies.map((a) => a.test)), trainAccuracy: mean(accuracies.map((a) => a.train)),
    perFactor: factorNames.map((factor, k) => ({ factor, trainAccuracy: accuracies[k].train, testAccuracy: accuracies[k].test, completeness: perFactor[k] })),
    perCode, importance, classifier: { estimators: o.estimators, maxDepth: o.maxDepth, learningRate: o.learningRate, seed: o.seed },
  };
}

/** Disentanglement and completeness of an importance matrix (codes × factors), as dci.py. */
export function dciFromImportance(importance: readonly (readonly number[])[]): { disentanglement: number; completeness: number; perCode: DciScore["perCode"]; perFactor: number[] } {
  const D = importance.length, K = importance[0]?.length ?? 0;
  let total = 0;
  for (const row of importance) for (const v of row) total += v;
  // an all-zero matrix weighs every code and factor alike
  const weightOf = (v: number) => (total === 0 ? 1 / (D * K) : v / total);
  const perCode = importance.map((row) => ({ disentanglement: 1 - entropy(row, K), weight: row.reduce((s, v) => s + weightOf(v), 0) }));
  const perFactor = Array.from({ length: K }, (_, k) => 1 - entropy(importance.map((row) => row[k]), D));
  const factorWeight = Array.from({ length: K }, (_, k) => importance.reduce((s, row) => s + weightOf(row[k]), 0));
  return {
    disentanglement: perCode.reduce((s, c) => s + c.disentanglement * c.weight, 0),
    completeness: perFactor.reduce((s, c, k) => s + c * factorWeight[k], 0),
    perCode, perFactor,
  };
}

/** scipy.stats.entropy(p + 1e-11, base): of the normalised values; 0 for a base of 1 (one outcome carries no uncertainty). */
function entropy(values: readonly number[], base: number): number {
  if (base < 2) return 0;
  const p = values.map((v) => v + 1e-11);
  const sum = p.reduce((a, b) => a + b, 0);
  return -p.reduce((h, v) => h + (v / sum) * Math.log(v / sum), 0) / Math.log(base);
}

function agreement(predicted: Int32Array, truth: Int32Array): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) right++;
  return right / truth.length;
}

export const DCI = codeFactorKind<DciScore>({
  name: "dci",
  compute: (split) => dciMetric(split),
  columns: { completeness: "completeness", informativeness: "informativeness" },
  detail: (r) => `${rowsLine(r)}; completeness ${r.completeness.toFixed(4)}, informativeness ${r.informativeness.toFixed(4)}; per factor ${r.perFactor.map((f) => `${f.factor} ${f.testAccuracy.toFixed(2)}`).join(", ")}`,
});
