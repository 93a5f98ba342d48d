// A linear support vector classifier, as scikit-learn's LinearSVC (the SAP score's classifier)
// trains one through liblinear: L2-regularised squared hinge loss, solved in the dual by
// coordinate descent (Hsieh et al. 2008, liblinear's solve_l2r_l1l2_svc with shrinking); the
// intercept is an extra feature of value 1 whose weight is regularised like the others
// (intercept_scaling = 1). Several classes: one-vs-rest, and as liblinear weights them, class k's
// own points carry C·weight(k), the rest plain C. Two classes: one problem, each side its own
// weight. liblinear visits the points in an order drawn from C's rand(); here from Rng(seed),
// so a fit is a deterministic function of its data and seed. The problem is strictly convex:
// any visiting order reaches the same optimum, to the stopping tolerance.
import { Rng } from "@betavae/core";

export const LINEAR_SVC_DEFAULTS = { c: 1, tolerance: 1e-4, maxIterations: 1000, seed: 0 };

export interface LinearSvcOptions {
  /** Inverse regularisation strength (scikit-learn's C). */
  c?: number;
  /** "balanced": class weight n / (classes · count), scikit-learn's class_weight="balanced". */
  classWeight?: "balanced" | "none";
  /** Stop when the projected gradient's spread (max − min) is at most this (liblinear's eps). */
  tolerance?: number;
  /** Passes over the points, at most (liblinear's 1000). */
  maxIterations?: number;
  /** Seeds the order the points are visited in. */
  seed?: number;
}

export interface LinearSvcFit {
  /** The labels seen in training, ascending: predictions are among them. */
  labels: number[];
  features: number;
  /** One row of features + 1 numbers per decision function (1 for two labels, else one per label): weights, then intercept. */
  weights: Float64Array;
  /** Whether every one-vs-rest problem met the tolerance within maxIterations. */
  converged: boolean;
}

/** Fits labels `y` (n ints) from features `x` (n × d, row-major). Needs at least two distinct labels. */
export function fitLinearSvc(x: Float64Array, y: Int32Array, n: number, d: number, options: LinearSvcOptions = {}): LinearSvcFit {
  const { c, tolerance, maxIterations, seed } = { ...LINEAR_SVC_DEFAULTS, ...options };
  if (x.length < n * d || y.length < n) throw new RangeError(`LinearSVC: ${n} points of ${d} features need ${n * d} values and ${n} labels`);
  if (!(c > 0)) throw new RangeError(`LinearSVC: C must be positive, got ${c}`);
  const labels = [...new Set(y.subarray(0, n))].sort((a, b) => a - b);
  if (labels.length < 2) throw new RangeError(`LinearSVC: needs at least two classes in the labels, got ${labels.length}`);
  const counts = labels.map((l) => y.subarray(0, n).reduce((s, v) => s + (v === l ? 1 : 0), 0));
  const weight = labels.map((_, k) => (options.classWeight === "balanced" ? n / (labels.length * counts[k]) : 1));
  const stride = d + 1;
  const problems = labels.length === 2 ? 1 : labels.length;
  const weights = new Float64Array(problems * stride);
  const sign = new Int8Array(n);
  let converged = true;
  for (let k = 0; k < problems; k++) {
    // two labels: the second is the positive side, as scikit-learn's coef_ points to classes_[1]
    const positive = labels.length === 2 ? labels[1] : labels[k];
    for (let i = 0; i < n; i++) sign[i] = y[i] === positive ? 1 : -1;
    const cPositive = c * weight[labels.indexOf(positive)];
    const cNegative = labels.length === 2 ? c * weight[0] : c;
    const w = weights.subarray(k * stride, (k + 1) * stride);
    converged = solveSquaredHingeDual(x, sign, n, d, cPositive, cNegative, tolerance, maxIterations, new Rng(seed), w) && converged;
  }
  return { labels, features: d, weights, converged };
}

/** Decision values of the n rows of `x`: n × (1 or one per label). */
export function linearSvcDecision(fit: LinearSvcFit, x: Float64Array, n: number): Float64Array {
  const d = fit.features, stride = d + 1, problems = fit.weights.length / stride;
  const out = new Float64Array(n * problems);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < problems; k++) {
      let s = fit.weights[k * stride + d];
      for (let j = 0; j < d; j++) s += fit.weights[k * stride + j] * x[i * d + j];
      out[i * problems + k] = s;
    }
  }
  return out;
}

/** The predicted label of each of the n rows of `x`: the positive side when its decision is > 0, else the largest decision (first on ties). */
export function predictLinearSvc(fit: LinearSvcFit, x: Float64Array, n: number): Int32Array {
  const decision = linearSvcDecision(fit, x, n);
  const problems = decision.length / Math.max(1, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (problems === 1) {
      out[i] = fit.labels[decision[i] > 0 ? 1 : 0];
      continue;
    }
    let best = 0;
    for (let k = 1; k < problems; k++) if (decision[i * problems + k] > decision[i * problems + best]) best = k;
    out[i] = fit.labels[best];
  }
  return out;
}

/**
 * min over α ≥ 0 of ½ αᵀ(Q + D)α − Σα, Q_ij = y_i y_j (x_i·x_j + 1), D_ii = 1 / (2 C_i), by
 * coordinate descent with shrinking, exactly as liblinear's L2R_L2LOSS_SVC_DUAL; writes
 * w = Σ α_i y_i (x_i, 1) into `w` (d weights, then the intercept). Returns whether it met the tolerance.
 */
function solveSquaredHingeDual(
  x: Float64Array, sign: Int8Array, n: number, d: number, cPositive: number, cNegative: number,
  tolerance: number, maxIterations: number, rng: Rng, w: Float64Array,
): boolean {
  const alpha = new Float64Array(n);
  const diag = new Float64Array(n), qd = new Float64Array(n);
  const index = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    diag[i] = 0.5 / (sign[i] > 0 ? cPositive : cNegative);
    let sq = 1; // the bias feature
    for (let j = 0; j < d; j++) sq += x[i * d + j] ** 2;
    qd[i] = diag[i] + sq;
  }
  w.fill(0);
  let active = n;
  // liblinear's PGmin_old only shrinks points at an upper bound, which the squared hinge has not
  let pgMaxOld = Infinity;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let pgMax = -Infinity, pgMin = Infinity;
    for (let i = 0; i < active; i++) {
      const j = i + rng.int(active - i);
      const t = index[i];
      index[i] = index[j];
      index[j] = t;
    }
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const yi = sign[i];
      let g = w[d];
      for (let j = 0; j < d; j++) g += w[j] * x[i * d + j];
      g = g * yi - 1 + alpha[i] * diag[i];
      let pg = 0;
      if (alpha[i] === 0) {
        if (g > pgMaxOld) {
          // shrink: at its bound and likely to stay there
          active--;
          index[s] = index[active];
          index[active] = i;
          s--;
          continue;
        }
        if (g < 0) pg = g;
      } else {
        pg = g; // no upper bound for the squared hinge
      }
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i];
        alpha[i] = Math.max(old - g / qd[i], 0);
        const delta = (alpha[i] - old) * yi;
        for (let j = 0; j < d; j++) w[j] += delta * x[i * d + j];
        w[d] += delta;
      }
    }
    if (pgMax - pgMin <= tolerance) {
      if (active === n) return true;
      // converged on the active set: check every point again before stopping
      active = n;
      pgMaxOld = Infinity;
      continue;
    }
    pgMaxOld = pgMax <= 0 ? Infinity : pgMax;
  }
  return false;
}
