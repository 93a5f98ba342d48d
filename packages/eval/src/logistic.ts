// Multinomial logistic regression, as the BetaVAE metric's classifier is scikit-learn's
// LogisticRegression() with its defaults: L2 penalty with C = 1 on the weights (not the
// intercepts), minimised by L-BFGS for at most 100 iterations, stopping when the largest
// gradient component of the mean loss falls below 1e-4. Weights start at zero, so a fit is
// a deterministic function of its data. Float64 throughout.

export interface LogisticOptions {
  /** Inverse regularisation strength (scikit-learn's C). */
  c?: number;
  maxIterations?: number;
  /** Stop when max |gradient| of the mean objective is below this. */
  tolerance?: number;
}

export interface LogisticFit {
  classes: number;
  features: number;
  /** classes × (features + 1): each class's weights, then its intercept. */
  weights: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Fits labels `y` (n ints in [0, classes)) from features `x` (n × d, row-major), minimising
 * (1/n)·Σ cross-entropy + ‖W‖² / (2·C·n) — scikit-learn's objective divided by C·n.
 */
export function fitLogistic(x: Float64Array, y: Int32Array, n: number, d: number, classes: number, options: LogisticOptions = {}): LogisticFit {
  const { c = 1, maxIterations = 100, tolerance = 1e-4 } = options;
  const stride = d + 1;
  const size = classes * stride;
  const probs = new Float64Array(classes);
  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let max = -Infinity;
      for (let k = 0; k < classes; k++) {
        let s = w[k * stride + d];
        for (let j = 0; j < d; j++) s += w[k * stride + j] * x[row + j];
        probs[k] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += (probs[k] = Math.exp(probs[k] - max));
      loss += Math.log(sum) + max - (Math.log(probs[y[i]]) + max);
      for (let k = 0; k < classes; k++) {
        const r = probs[k] / sum - (k === y[i] ? 1 : 0);
        for (let j = 0; j < d; j++) grad[k * stride + j] += r * x[row + j];
        grad[k * stride + d] += r;
      }
    }
    const penalty = 1 / (c * n);
    let reg = 0;
    for (let k = 0; k < classes; k++) {
      for (let j = 0; j < d; j++) {
        const v = w[k * stride + j];
        reg += v * v;
        grad[k * stride + j] = grad[k * stride + j] / n + penalty * v;
      }
      grad[k * stride + d] /= n;
    }
    return loss / n + 0.5 * penalty * reg;
  };
  const { x: weights, iterations, converged } = lbfgs(objective, new Float64Array(size), maxIterations, tolerance);
  return { classes, features: d, weights, iterations, converged };
}

/** Writes the classes' scores (logits) for row i of `x` into `out`. */
function classScores(fit: LogisticFit, x: Float64Array, i: number, out: Float64Array): void {
  const { classes, features: d, weights: w } = fit;
  for (let k = 0; k < classes; k++) {
    let s = w[k * (d + 1) + d];
    for (let j = 0; j < d; j++) s += w[k * (d + 1) + j] * x[i * d + j];
    out[k] = s;
  }
}

/** The most probable class of each of the n rows of `x`. */
export function predictLogistic(fit: LogisticFit, x: Float64Array, n: number): Int32Array {
  const scores = new Float64Array(fit.classes);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    classScores(fit, x, i, scores);
    let best = 0;
    for (let k = 1; k < fit.classes; k++) if (scores[k] > scores[best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Each class's probability (softmax of the scores) for each of the n rows of `x`: n × classes. */
export function predictProbabilities(fit: LogisticFit, x: Float64Array, n: number): Float64Array {
  const { classes } = fit;
  const out = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    const p = out.subarray(i * classes, (i + 1) * classes);
    classScores(fit, x, i, p);
    const max = p.reduce((m, v) => Math.max(m, v), -Infinity);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += (p[k] = Math.exp(p[k] - max));
    for (let k = 0; k < classes; k++) p[k] /= sum;
  }
  return out;
}

/** Fraction of rows whose predicted class is the label. */
export function accuracy(fit: LogisticFit, x: Float64Array, y: Int32Array, n: number): number {
  const predicted = predictLogistic(fit, x, n);
  let right = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === y[i]) right++;
  return right / n;
}

const HISTORY = 10;

/**
 * Limited-memory BFGS (two-loop recursion, 10 pairs) with a backtracking Armijo line search;
 * enough for a smooth convex objective. `f` returns the value and writes the gradient.
 */
export function lbfgs(f: (x: Float64Array, grad: Float64Array) => number, x0: Float64Array, maxIterations: number, tolerance: number): { x: Float64Array; value: number; iterations: number; converged: boolean } {
  const m = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(m);
  let value = f(x, g);
  const s: Float64Array[] = [], yv: Float64Array[] = [], rho: number[] = [];
  const alpha = new Float64Array(HISTORY);
  const dir = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => {
    let t = 0;
    for (let i = 0; i < m; i++) t += a[i] * b[i];
    return t;
  };
  const maxAbs = (a: Float64Array) => a.reduce((t, v) => Math.max(t, Math.abs(v)), 0);
  for (let iter = 0; iter < maxIterations; iter++) {
    if (maxAbs(g) < tolerance) return { x, value, iterations: iter, converged: true };
    // direction = −H·g by the two-loop recursion
    dir.set(g);
    for (let i = s.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(s[i], dir);
      for (let j = 0; j < m; j++) dir[j] -= alpha[i] * yv[i][j];
    }
    const gamma = s.length ? dot(s[s.length - 1], yv[yv.length - 1]) / dot(yv[yv.length - 1], yv[yv.length - 1]) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let j = 0; j < m; j++) dir[j] *= gamma;
    for (let i = 0; i < s.length; i++) {
      const beta = rho[i] * dot(yv[i], dir);
      for (let j = 0; j < m; j++) dir[j] += s[i][j] * (alpha[i] - beta);
    }
    for (let j = 0; j < m; j++) dir[j] = -dir[j];
    let slope = dot(g, dir);
    if (slope >= 0) {
      // not a descent direction (can only follow rounding): restart from steepest descent
      s.length = yv.length = rho.length = 0;
      for (let j = 0; j < m; j++) dir[j] = -g[j];
      slope = dot(g, dir);
    }
    let step = 1;
    const xNew = new Float64Array(m), gNew = new Float64Array(m);
    let valueNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < m; j++) xNew[j] = x[j] + step * dir[j];
      valueNew = f(xNew, gNew);
      if (valueNew <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(valueNew < value)) return { x, value, iterations: iter, converged: false }; // no progress left at float64 precision
    const sk = new Float64Array(m), yk = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      sk[j] = xNew[j] - x[j];
      yk[j] = gNew[j] - g[j];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === HISTORY) {
        s.shift();
        yv.shift();
        rho.shift();
      }
      s.push(sk);
      yv.push(yk);
      rho.push(1 / sy);
    }
    x = xNew;
    g = gNew;
    value = valueNew;
  }
  return { x, value, iterations: maxIterations, converged: maxAbs(g) < tolerance };
}
