// Gradient-boosted classification trees as scikit-learn's GradientBoostingClassifier fits them
// with its defaults (what disentanglement_lib's DCI uses): 100 stages of depth-3 regression
// trees on the negative gradient of the log-loss (one tree per class and stage for more than
// two classes, one per stage for two), learning rate 0.1, the prior's log-odds as the start,
// and each leaf's value set by one Newton step. Splits are sklearn's exact greedy ones:
// Friedman's MSE improvement, candidate thresholds only between values more than 1e-7 apart,
// at their midpoint, features read as float32 (sklearn converts X to float32).
//
// Every feature is sorted once per fit; a tree is grown a level at a time, scanning each
// feature's sorted order once per level for all the level's nodes together, so a tree costs
// about depth · n · features steps and nothing is re-sorted.
//
// Two features often split a node of a few rows equally well (they isolate the same rows).
// sklearn visits the features in a random order (its random_state) and keeps the first best,
// so it picks one of the tied features at random; so does this, from a seeded Rng.
import { Rng } from "@betavae/core";

export const GRADIENT_BOOSTING_DEFAULTS = { estimators: 100, maxDepth: 3, learningRate: 0.1, seed: 0 };

export type GradientBoostingOptions = Partial<typeof GRADIENT_BOOSTING_DEFAULTS>;

/** Feature values closer than this are one value to sklearn's splitter (FEATURE_THRESHOLD). */
const FEATURE_THRESHOLD = 1e-7;
/** A node this pure is a leaf (sklearn's EPSILON, the float64 machine epsilon). */
const EPSILON = 2.220446049250313e-16;
/** sklearn clips the prior's probabilities to [ε, 1 − ε] with float32's ε. */
const PROBABILITY_CLIP = 1.1920928955078125e-7;

/** One regression tree in flat arrays; a leaf has feature −1 and its value in `value`. */
interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** Per feature: Σ over the tree's splits on it of the weighted impurity decrease, / n (sklearn's unnormalised importances). */
  importance: Float64Array;
  nodes: number;
}

export interface GradientBoostedTrees {
  /** The labels seen in training, ascending; predictions are among them. */
  classes: Int32Array;
  features: number;
  learningRate: number;
  /** The starting raw prediction per tree column (one per class, or one for two classes). */
  init: Float64Array;
  /** trees[stage][column] */
  trees: Tree[][];
  /** The predicted labels of the rows it was fitted to (what predictGradientBoosting gives them). */
  fitted: Int32Array;
}

/** Each feature's samples in ascending order of value, computed once and shared by every fit on the same rows. */
export interface SortedFeatures {
  /** Float32 feature values, row-major n × features. */
  x: Float32Array;
  n: number;
  features: number;
  /** order[f]: sample indices by ascending value of feature f. */
  order: Int32Array[];
  /** sorted[f][p] = x[order[f][p], f]. */
  sorted: Float64Array[];
}

/** Sorts each column of `x` (n × features, row-major; read as float32 as sklearn does). */
export function sortFeatures(x: ArrayLike<number>, n: number, features: number): SortedFeatures {
  if (x.length !== n * features) throw new RangeError(`sortFeatures: ${x.length} values are not ${n} × ${features}`);
  const x32 = Float32Array.from(x);
  const order: Int32Array[] = [], sorted: Float64Array[] = [];
  for (let f = 0; f < features; f++) {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => x32[a * features + f] - x32[b * features + f] || a - b);
    order.push(idx);
    sorted.push(Float64Array.from(idx, (i) => x32[i * features + f]));
  }
  return { x: x32, n, features, order, sorted };
}

/** Fits the classifier to labels `y` (one per row of `data`). At least two distinct labels. */
export function fitGradientBoosting(data: SortedFeatures, y: ArrayLike<number>, options: GradientBoostingOptions = {}): GradientBoostedTrees {
  const o = { ...GRADIENT_BOOSTING_DEFAULTS, ...options };
  const { n } = data;
  if (y.length !== n) throw new RangeError(`fitGradientBoosting: ${y.length} labels for ${n} rows`);
  const classes = Int32Array.from(new Set(Array.from(y))).sort();
  if (classes.length < 2) throw new RangeError("fitGradientBoosting: the labels take a single value, there is nothing to classify");
  const C = classes.length;
  const label = Int32Array.from(y, (v) => classes.indexOf(v));
  const columns = C === 2 ? 1 : C;

  // the prior: class frequencies, clipped, as log-odds (two classes) or log-probabilities
  const counts = new Float64Array(C);
  for (let i = 0; i < n; i++) counts[label[i]]++;
  const clip = (p: number) => Math.min(1 - PROBABILITY_CLIP, Math.max(PROBABILITY_CLIP, p));
  const init = C === 2 ? Float64Array.of(Math.log(clip(counts[1] / n) / (1 - clip(counts[1] / n)))) : Float64Array.from(counts, (c) => Math.log(clip(c / n)));

  const raw = new Float64Array(n * columns);
  for (let i = 0; i < n; i++) raw.set(init, i * columns);
  const probability = new Float64Array(n * columns);
  const residual = new Float64Array(n);
  const target = new Float64Array(n);
  const grower = new TreeGrower(data, o.maxDepth, new Rng(o.seed));
  const trees: Tree[][] = [];
  for (let stage = 0; stage < o.estimators; stage++) {
    // every tree of a stage fits the gradient at the stage's start
    probabilities(raw, n, columns, probability);
    const stageTrees: Tree[] = [];
    for (let k = 0; k < columns; k++) {
      const positive = C === 2 ? 1 : k;
      for (let i = 0; i < n; i++) {
        target[i] = label[i] === positive ? 1 : 0;
        residual[i] = target[i] - probability[i * columns + k];
      }
      const tree = grower.grow(residual);
      newtonLeaves(tree, grower.leafOf, residual, target, C === 2 ? 1 : (C - 1) / C);
      for (let i = 0; i < n; i++) raw[i * columns + k] += o.learningRate * tree.value[grower.leafOf[i]];
      stageTrees.push(tree);
    }
    trees.push(stageTrees);
  }
  const fitted = new Int32Array(n);
  for (let i = 0; i < n; i++) fitted[i] = classes[decide(raw.subarray(i * columns, (i + 1) * columns))];
  return { classes, features: data.features, learningRate: o.learningRate, init, trees, fitted };
}

/** Predicted labels of the `n` rows of `x` (n × features, read as float32). */
export function predictGradientBoosting(model: GradientBoostedTrees, x: ArrayLike<number>, n: number): Int32Array {
  const D = model.features, columns = model.init.length;
  const row = new Float32Array(D);
  const raw = new Float64Array(columns);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < D; f++) row[f] = x[i * D + f];
    raw.set(model.init);
    for (const stage of model.trees) {
      for (let k = 0; k < columns; k++) {
        const t = stage[k];
        let node = 0;
        while (t.feature[node] >= 0) node = row[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
        raw[k] += model.learningRate * t.value[node];
      }
    }
    out[i] = model.classes[decide(raw)];
  }
  return out;
}

/** The class index of raw predictions: the largest (its first on a tie), or for two classes, the second when its log-odds are positive. */
function decide(raw: Float64Array): number {
  if (raw.length === 1) return raw[0] > 0 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < raw.length; k++) if (raw[k] > raw[best]) best = k;
  return best;
}

/** sklearn's feature_importances_: each tree's impurity decreases per feature, averaged over the trees that split at all, normalised to sum 1 (all 0 when no tree split). */
export function featureImportances(model: GradientBoostedTrees): Float64Array {
  const sum = new Float64Array(model.features);
  let relevant = 0;
  for (const stage of model.trees) {
    for (const t of stage) {
      if (t.nodes <= 1) continue;
      relevant++;
      for (let f = 0; f < model.features; f++) sum[f] += t.importance[f];
    }
  }
  if (relevant === 0) return sum;
  let total = 0;
  for (let f = 0; f < model.features; f++) total += sum[f] / relevant;
  return sum.map((s) => s / relevant / total);
}

/** Softmax of each row's raw predictions (the logistic of the one column for two classes). */
function probabilities(raw: Float64Array, n: number, columns: number, out: Float64Array): void {
  if (columns === 1) {
    for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-raw[i]));
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = i * columns;
    let max = -Infinity;
    for (let k = 0; k < columns; k++) max = Math.max(max, raw[r + k]);
    let sum = 0;
    for (let k = 0; k < columns; k++) sum += Math.exp(raw[r + k] - max);
    for (let k = 0; k < columns; k++) out[r + k] = Math.exp(raw[r + k] - max) / sum;
  }
}

/**
 * Each leaf's value: one Newton step of the log-loss, Σ residual / Σ p(1 − p) over its rows
 * (p = target − residual), times (K − 1)/K for K > 2 classes; 0 when the denominator vanishes.
 */
function newtonLeaves(tree: Tree, leafOf: Int32Array, residual: Float64Array, target: Float64Array, factor: number): void {
  const numerator = new Float64Array(tree.nodes), denominator = new Float64Array(tree.nodes);
  for (let i = 0; i < leafOf.length; i++) {
    const p = target[i] - residual[i];
    numerator[leafOf[i]] += residual[i];
    denominator[leafOf[i]] += p * (1 - p);
  }
  for (let node = 0; node < tree.nodes; node++) {
    if (tree.feature[node] >= 0) continue;
    tree.value[node] = Math.abs(denominator[node]) < 1e-150 ? 0 : (factor * numerator[node]) / denominator[node];
  }
}

/** Grows depth-limited regression trees on the rows of one SortedFeatures; leafOf holds each row's leaf after grow(). */
class TreeGrower {
  readonly leafOf: Int32Array;
  private readonly maxNodes: number;
  // per node
  private readonly count: Float64Array;
  private readonly sum: Float64Array;
  private readonly impurity: Float64Array;
  // per node being split at the current level
  private readonly slot: Int32Array;
  private readonly leftCount: Float64Array;
  private readonly leftSum: Float64Array;
  private readonly previous: Float64Array;
  private readonly bestProxy: Float64Array;
  private readonly bestFeature: Int32Array;
  private readonly bestThreshold: Float64Array;
  /** How many features tie for the best split so far, and the last one counted. */
  private readonly ties: Int32Array;
  private readonly lastTie: Int32Array;

  constructor(private readonly data: SortedFeatures, private readonly maxDepth: number, private readonly rng: Rng) {
    this.leafOf = new Int32Array(data.n);
    this.maxNodes = 2 ** (maxDepth + 1) - 1;
    this.count = new Float64Array(this.maxNodes);
    this.sum = new Float64Array(this.maxNodes);
    this.impurity = new Float64Array(this.maxNodes);
    this.slot = new Int32Array(this.maxNodes);
    const width = 2 ** maxDepth;
    this.leftCount = new Float64Array(width);
    this.leftSum = new Float64Array(width);
    this.previous = new Float64Array(width);
    this.bestProxy = new Float64Array(width);
    this.bestFeature = new Int32Array(width);
    this.bestThreshold = new Float64Array(width);
    this.ties = new Int32Array(width);
    this.lastTie = new Int32Array(width);
  }

  grow(y: Float64Array): Tree {
    const { n, features: D, x, order, sorted } = this.data;
    const M = this.maxNodes;
    const tree: Tree = {
      feature: new Int32Array(M).fill(-1), threshold: new Float64Array(M), left: new Int32Array(M).fill(-1), right: new Int32Array(M).fill(-1),
      value: new Float64Array(M), importance: new Float64Array(D), nodes: 1,
    };
    const nodeOf = this.leafOf;
    nodeOf.fill(0);
    let sum = 0, squares = 0;
    for (let i = 0; i < n; i++) {
      sum += y[i];
      squares += y[i] * y[i];
    }
    this.count[0] = n;
    this.sum[0] = sum;
    this.impurity[0] = squares / n - (sum / n) ** 2;
    let level = [0];
    for (let depth = 0; depth < this.maxDepth && level.length > 0; depth++) {
      const splitting = level.filter((m) => this.count[m] >= 2 && this.impurity[m] > EPSILON);
      if (splitting.length === 0) break;
      this.slot.fill(-1);
      splitting.forEach((m, s) => {
        this.slot[m] = s;
        this.bestProxy[s] = -Infinity;
        this.bestFeature[s] = -1;
        this.lastTie[s] = -1;
      });
      for (let f = 0; f < D; f++) {
        for (let s = 0; s < splitting.length; s++) {
          this.leftCount[s] = 0;
          this.leftSum[s] = 0;
        }
        const ord = order[f], values = sorted[f];
        for (let p = 0; p < n; p++) {
          const i = ord[p];
          const s = this.slot[nodeOf[i]];
          if (s < 0) continue;
          const v = values[p];
          const nl = this.leftCount[s];
          if (nl > 0 && v > this.previous[s] + FEATURE_THRESHOLD) {
            const m = splitting[s];
            const nr = this.count[m] - nl, sl = this.leftSum[s], sr = this.sum[m] - sl;
            const diff = nr * sl - nl * sr;
            const proxy = (diff * diff) / (nl * nr);
            // another feature tied with the best counts once, at its first tied position, and
            // wins with probability 1/ties: each tied feature is then equally likely to be kept
            let take = proxy > this.bestProxy[s];
            if (take) {
              this.ties[s] = 1;
              this.lastTie[s] = f;
            } else if (proxy === this.bestProxy[s] && f !== this.lastTie[s]) {
              this.lastTie[s] = f;
              take = this.rng.int(++this.ties[s]) === 0;
            }
            if (take) {
              this.bestProxy[s] = proxy;
              this.bestFeature[s] = f;
              let threshold = this.previous[s] / 2 + v / 2;
              if (threshold === v || !Number.isFinite(threshold)) threshold = this.previous[s];
              this.bestThreshold[s] = threshold;
            }
          }
          this.leftCount[s] = nl + 1;
          this.leftSum[s] += y[i];
          this.previous[s] = v;
        }
      }
      // split the nodes that found a threshold; the children's statistics from their rows
      const next: number[] = [];
      const childOf = new Int32Array(M).fill(-1);
      for (const [s, m] of splitting.entries()) {
        if (this.bestFeature[s] < 0) continue;
        tree.feature[m] = this.bestFeature[s];
        tree.threshold[m] = this.bestThreshold[s];
        tree.left[m] = tree.nodes;
        tree.right[m] = tree.nodes + 1;
        childOf[m] = tree.nodes;
        for (const c of [tree.nodes, tree.nodes + 1]) {
          this.count[c] = 0;
          this.sum[c] = 0;
          this.impurity[c] = 0; // holds Σ y² until the pass below ends
          next.push(c);
        }
        tree.nodes += 2;
      }
      for (let i = 0; i < n; i++) {
        const m = nodeOf[i];
        if (childOf[m] < 0) continue;
        const c = x[i * D + tree.feature[m]] <= tree.threshold[m] ? childOf[m] : childOf[m] + 1;
        nodeOf[i] = c;
        this.count[c]++;
        this.sum[c] += y[i];
        this.impurity[c] += y[i] * y[i];
      }
      for (const c of next) this.impurity[c] = this.impurity[c] / this.count[c] - (this.sum[c] / this.count[c]) ** 2;
      for (const m of splitting) {
        if (childOf[m] < 0) continue;
        const l = childOf[m], r = l + 1;
        tree.importance[tree.feature[m]] += (this.count[m] * this.impurity[m] - this.count[l] * this.impurity[l] - this.count[r] * this.impurity[r]) / n;
      }
      level = next;
    }
    return tree;
  }
}
