// The Mutual Information Gap (Chen et al. 2018), as disentanglement_lib computes it: codes of
// 10,000 random images; each latent discretised into 20 equal-width bins over its observed
// range (numpy's histogram edges and digitize, as `_histogram_discretize`); the discrete
// mutual information of every latent with every factor, in nats; for each factor, the gap
// between its two most informative latents divided by the factor's entropy; the mean gap.
// Entropies and MI are the empirical (plug-in) ones over the sample, as scikit-learn's
// mutual_info_score gives them.
import type { CodeCache } from "./cache";
import { type CodeFactorSplit, drawSplit } from "./code-factor-metric";
import { factorColumn } from "./factors";
import type { CodeFactorMetricKind, MetricResult, MetricResultBase, ProgressFn } from "./metric";

export const MIG_DEFAULTS = { seed: 0, samples: 10000, bins: 20 };

export type MigOptions = Partial<typeof MIG_DEFAULTS> & { progress?: ProgressFn };

/** What MIG computes from (code, factor) pairs. */
export interface MigScore {
  metric: "mig";
  score: number;
  samples: number;
  bins: number;
  /** Per factor: its entropy, its most informative latent, and its normalised gap. */
  perFactor: { factor: string; entropy: number; topLatent: number; gap: number }[];
  /** mutualInformation[j][k]: MI (nats) of latent j with measured factor k. */
  mutualInformation: number[][];
}

export interface MigResult extends MetricResultBase, MigScore {}

/** MIG of the dataset's codes: `samples` factor draws from Rng(seed), their codes. */
export async function migMetric(cache: CodeCache, options: MigOptions = {}): Promise<MigResult> {
  const o = { ...MIG_DEFAULTS, ...options };
  if (o.samples < 2 || o.bins < 1) throw new RangeError("MIG: at least 2 samples and 1 bin");
  const started = performance.now();
  const split = await drawSplit(cache, o.seed, o.samples, 0);
  options.progress?.(o.samples, o.samples);
  return {
    ...migScore(split, o.bins),
    dataset: cache.dataset.name, encoder: cache.encoder.description, seed: o.seed, factors: [...split.factorNames],
    seconds: (performance.now() - started) / 1000,
  };
}

/** MIG of the split's fitting rows (the test rows are not used, as in disentanglement_lib). */
export function migScore(split: CodeFactorSplit, bins = MIG_DEFAULTS.bins): MigScore {
  const { latents: L, factorSizes, factorNames } = split;
  const { codes, count: n } = split.train;
  if (n < 2 || bins < 1) throw new RangeError("MIG: at least 2 samples and 1 bin");
  const binned = Array.from({ length: L }, (_, j) => histogramDiscretize(codes, L, j, n, bins));
  const labels = factorSizes.map((_, k) => factorColumn(split.train, factorSizes.length, k));
  const mi = binned.map((b) => labels.map((y, k) => mutualInformation(b, bins, y, factorSizes[k])));
  const perFactor = labels.map((y, k) => {
    const entropy = mutualInformation(y, factorSizes[k], y, factorSizes[k]);
    const column = mi.map((row) => row[k]);
    const order = column.map((_, j) => j).sort((a, b) => column[b] - column[a]);
    const second = order.length > 1 ? column[order[1]] : 0;
    return { factor: factorNames[k], entropy, topLatent: order[0], gap: (column[order[0]] - second) / entropy };
  });
  const score = perFactor.reduce((s, f) => s + f.gap, 0) / perFactor.length;
  return { metric: "mig", score, samples: n, bins, perFactor, mutualInformation: mi };
}

export const MIG: CodeFactorMetricKind = {
  name: "mig",
  needs: "codes",
  byDefault: true,
  samples: { migSamples: MIG_DEFAULTS.samples },
  scaled: (n) => ({ migSamples: Math.max(2, n) }),
  rows: (samples) => ({ train: samples.migSamples, test: 0 }),
  columns: {},
  compute: (split) => migScore(split),
  detail: (result: MetricResult) => {
    const r = result as MigResult;
    return `${r.samples} samples, ${r.bins} bins; per factor ${r.perFactor.map((f) => `${f.factor} ${f.gap.toFixed(2)}`).join(", ")}`;
  },
};

/**
 * Bin index (0 … bins−1) of latent j of each code: numpy's
 * digitize(x, histogram(x, bins)[1][:-1]) − 1. A constant latent falls in one bin.
 */
export function histogramDiscretize(codes: ArrayLike<number>, latents: number, j: number, n: number, bins: number): Int32Array {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = codes[i * latents + j];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    // numpy widens an empty range to [v − 0.5, v + 0.5]
    lo -= 0.5;
    hi += 0.5;
  }
  // edges as numpy.linspace makes them: lo + i·step
  const step = (hi - lo) / bins;
  const edges = Float64Array.from({ length: bins }, (_, i) => lo + i * step);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = codes[i * latents + j];
    let b = bins - 1;
    while (b > 0 && edges[b] > v) b--;
    out[i] = b;
  }
  return out;
}

/** Plug-in mutual information (nats) of two discrete variables with values in [0, sa) and [0, sb). I(a; a) is a's entropy. */
export function mutualInformation(a: Int32Array, sa: number, b: Int32Array, sb: number): number {
  const n = a.length;
  const joint = new Float64Array(sa * sb), pa = new Float64Array(sa), pb = new Float64Array(sb);
  for (let i = 0; i < n; i++) {
    joint[a[i] * sb + b[i]]++;
    pa[a[i]]++;
    pb[b[i]]++;
  }
  let mi = 0;
  for (let x = 0; x < sa; x++) {
    for (let y = 0; y < sb; y++) {
      const c = joint[x * sb + y];
      if (c > 0) mi += (c / n) * Math.log((c * n) / (pa[x] * pb[y]));
    }
  }
  return Math.max(0, mi);
}
