// Which factors the metrics use. A factor with a single value (dSprites' colour) carries no
// information: it cannot be a classifier's label, and its entropy is 0, so MIG's ratio is
// undefined. disentanglement_lib leaves such factors out (its dSprites has 5 factors, not 6),
// and so do we: every metric here runs over the factors of size > 1 only.
import type { FactorDataset } from "@betavae/datasets";

/** Indices (into dataset.factors) of the factors that take more than one value. */
export function variedFactors(dataset: FactorDataset): number[] {
  const varied = dataset.factors.flatMap((f, i) => (f.size > 1 ? [i] : []));
  if (varied.length === 0) throw new RangeError(`dataset ${dataset.name} has no factor with more than one value: there is nothing to measure`);
  return varied;
}
