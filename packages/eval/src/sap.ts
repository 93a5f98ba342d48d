// The Separated Attribute Predictability score (Kumar et al. 2018, Section 3), as
// disentanglement_lib's sap_score.py computes it: for every latent j and factor k a score of how
// well latent j alone predicts factor k, then per factor the gap between its two best latents,
// averaged over factors. Discrete factors (disentanglement_lib's setting for its studies): the
// score is the test accuracy of LinearSVC(C = 0.01, class_weight = "balanced") trained on the
// single latent. Continuous: R² of a linear fit of the factor on the latent, over the training
// rows, cov² / (var_latent · var_factor), 0 for a latent with variance ≤ 1e-12.
import { type CodeFactorSplit, codeFactorKind, rowsLine } from "./code-factor-metric";
import { codeColumn, measuredFactorLabels } from "./factors";
import { fitLinearSvc, predictLinearSvc } from "./linear-svc";
import type { MetricResultBase } from "./metric";

export const SAP_DEFAULTS = { c: 0.01, continuous: false, seed: 0 };

export type SapOptions = Partial<typeof SAP_DEFAULTS> & {
  /** Recorded in the result: what the codes are of, and what produced them. */
  dataset?: string;
  encoder?: string;
};

export interface SapResult extends MetricResultBase {
  metric: "sap";
  continuous: boolean;
  /** The classifier's inverse regularisation (discrete factors). */
  c: number;
  trainPoints: number;
  testPoints: number;
  /** scoreMatrix[j][k]: how well latent j alone predicts measured factor k (test accuracy, or R²). */
  scoreMatrix: number[][];
  /** Per factor: its best latent and the gap to the second best. */
  perFactor: { factor: string; topLatent: number; gap: number }[];
  /**
   * Classifiers that stopped at liblinear's 1000 passes short of the tolerance (scikit-learn
   * warns of each): their accuracy depends on the order the points were visited in. A latent on
   * a scale far from 1 causes it.
   */
  unconverged: { latent: number; factor: string }[];
}

/** SAP of the split's codes; `score` is the mean gap. A single latent has no second best: its gap is its score. */
export function sapMetric(split: CodeFactorSplit, options: SapOptions = {}): SapResult {
  const o = { ...SAP_DEFAULTS, ...options };
  const started = performance.now();
  const { varied, train: trainLabels, test: testLabels } = measuredFactorLabels(split, "SAP", !o.continuous);
  const { train, test, latents: D } = split;
  const unconverged: SapResult["unconverged"] = [];
  const scoreMatrix = Array.from({ length: D }, (_, j) => {
    const x = codeColumn(train, D, j);
    if (o.continuous) return trainLabels.map((y) => explainedVariance(x, y));
    const xTest = codeColumn(test, D, j);
    return trainLabels.map((y, v) => {
      const fit = fitLinearSvc(x, y, train.count, 1, { c: o.c, classWeight: "balanced", seed: o.seed });
      if (!fit.converged) unconverged.push({ latent: j, factor: split.factorNames[varied[v]] });
      const predicted = predictLinearSvc(fit, xTest, test.count);
      let right = 0;
      for (let n = 0; n < test.count; n++) if (predicted[n] === testLabels[v][n]) right++;
      return right / test.count;
    });
  });
  const perFactor = varied.map((k, v) => {
    const column = scoreMatrix.map((row) => row[v]);
    const order = column.map((_, j) => j).sort((a, b) => column[b] - column[a]);
    const second = order.length > 1 ? column[order[1]] : 0;
    return { factor: split.factorNames[k], topLatent: order[0], gap: column[order[0]] - second };
  });
  return {
    metric: "sap",
    score: perFactor.reduce((s, f) => s + f.gap, 0) / perFactor.length,
    dataset: o.dataset ?? "codes", encoder: o.encoder ?? "codes", seed: o.seed,
    factors: varied.map((k) => split.factorNames[k]),
    continuous: o.continuous, c: o.c, trainPoints: train.count, testPoints: test.count,
    scoreMatrix, perFactor, unconverged,
    seconds: (performance.now() - started) / 1000,
  };
}

/** SAP in the registry: discrete factors, disentanglement_lib's 10,000 / 5,000 points; the classifiers visit points in an order from the run's seed. */
export const SAP = codeFactorKind<SapResult>({
  name: "sap",
  compute: (split, source) => sapMetric(split, source),
  detail: (r) => `${rowsLine(r)}; gap per factor ${r.perFactor.map((f) => `${f.factor} ${f.gap.toFixed(2)}`).join(", ")}${r.unconverged.length ? `; ${r.unconverged.length} classifiers unconverged` : ""}`,
});

/** cov(x, y)² / (var x · var y) over the rows (any ddof: it cancels); 0 when x is constant. */
function explainedVariance(x: Float64Array, y: Int32Array): number {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  // disentanglement_lib's threshold is on the ddof-1 variance
  return sxx / (n - 1) > 1e-12 ? (sxy * sxy) / (sxx * syy) : 0;
}
