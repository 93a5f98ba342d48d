// Which factors the metrics use. A factor with a single value (dSprites' colour) carries no
// information: it cannot be a classifier's label, and its entropy is 0, so MIG's ratio is
// undefined. disentanglement_lib leaves such factors out (its dSprites has 5 factors, not 6),
// and so do we: every metric here runs over the factors of size > 1 only.
import type { FactorDataset } from "@betavae/datasets";
import type { CodeFactorRows, CodeFactorSplit } from "./code-factor-metric";

/** Indices (into dataset.factors) of the factors that take more than one value. */
export function variedFactors(dataset: FactorDataset): number[] {
  const varied = dataset.factors.flatMap((f, i) => (f.size > 1 ? [i] : []));
  if (varied.length === 0) throw new RangeError(`dataset ${dataset.name} has no factor with more than one value: there is nothing to measure`);
  return varied;
}

/**
 * Indices of the factors of a code–factor split that take more than one value in its training
 * part, as `variedFactors` for a dataset: the others can be no classifier's label. Checks the
 * split's shapes first.
 */
export function splitVariedFactors(split: CodeFactorSplit): number[] {
  const K = split.factorSizes.length, D = split.latents;
  if (split.factorNames.length !== K) throw new RangeError(`${split.factorNames.length} factor names for ${K} factors`);
  for (const [part, p] of [["train", split.train], ["test", split.test]] as const) {
    if (p.codes.length !== p.count * D || p.factors.length !== p.count * K) {
      throw new RangeError(`${part} part: ${p.count} rows need ${p.count * D} code values and ${p.count * K} factor values, got ${p.codes.length} and ${p.factors.length}`);
    }
  }
  split.train.factors.forEach((v, i) => {
    const size = split.factorSizes[i % K];
    if (!(Number.isInteger(v) && v >= 0 && v < size)) throw new RangeError(`factor ${split.factorNames[i % K]}: value ${v} in training row ${Math.floor(i / K)} is outside 0 … ${size - 1}`);
  });
  const varied = split.factorSizes.flatMap((_, k) => {
    const first = split.train.factors[k];
    for (let n = 1; n < split.train.count; n++) if (split.train.factors[n * K + k] !== first) return [k];
    return [];
  });
  if (varied.length === 0) throw new RangeError("no factor takes more than one value in the training rows: there is nothing to measure");
  return varied;
}

/** Factor k's column of a split part whose rows hold `factorCount` factors. */
export function factorColumn(rows: CodeFactorRows, factorCount: number, k: number): Int32Array {
  return Int32Array.from({ length: rows.count }, (_, n) => rows.factors[n * factorCount + k]);
}

/** Latent j's column of a split part whose codes have `latents` values a row. */
export function codeColumn(rows: CodeFactorRows, latents: number, j: number): Float64Array {
  return Float64Array.from({ length: rows.count }, (_, n) => rows.codes[n * latents + j]);
}

/**
 * The factors a code–factor metric measures (`splitVariedFactors`) and their label columns in
 * the training and test parts; refuses fewer than 2 training rows, or no test row when `metric` needs one.
 */
export function measuredFactorLabels(split: CodeFactorSplit, metric: string, needsTest = true): { varied: number[]; train: Int32Array[]; test: Int32Array[] } {
  if (split.train.count < 2 || (needsTest && split.test.count < 1)) {
    throw new RangeError(`${metric}: needs at least 2 training rows${needsTest ? " and 1 test row" : ""}, got ${split.train.count}${needsTest ? ` and ${split.test.count}` : ""}`);
  }
  const varied = splitVariedFactors(split), K = split.factorSizes.length;
  return {
    varied,
    train: varied.map((k) => factorColumn(split.train, K, k)),
    test: varied.map((k) => factorColumn(split.test, K, k)),
  };
}
