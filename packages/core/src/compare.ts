// How a computed tensor is judged against an expected one. A float32 sum of `terms`
// products carries rounding error that grows like √terms times the size of the terms, so
// the bound on element i is
//     |actual_i − expected_i| ≤ rtol · (|expected_i| + √terms · mean|expected|)
// i.e. relative where the value is large, and scaled by the output's typical magnitude
// where cancellation makes it small.

export interface Comparison {
  /** max |actual − expected| */
  maxAbs: number;
  /** max |actual − expected| / max(|expected|, mean|expected|) */
  maxRel: number;
  /** the largest error as a fraction of its bound (≤ 1 passes) */
  worst: number;
  pass: boolean;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, terms: number, rtol: number): Comparison {
  if (actual.length !== expected.length) {
    return { maxAbs: Infinity, maxRel: Infinity, worst: Infinity, pass: false };
  }
  let meanAbs = 0;
  for (let i = 0; i < expected.length; i++) meanAbs += Math.abs(expected[i]);
  meanAbs /= Math.max(1, expected.length);
  const floor = Math.sqrt(Math.max(1, terms)) * meanAbs;
  let maxAbs = 0, maxRel = 0, worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const err = Math.abs(actual[i] - e);
    if (!Number.isFinite(actual[i]) || Number.isNaN(err)) return { maxAbs: NaN, maxRel: NaN, worst: Infinity, pass: false };
    maxAbs = Math.max(maxAbs, err);
    maxRel = Math.max(maxRel, err / Math.max(Math.abs(e), meanAbs, Number.MIN_VALUE));
    worst = Math.max(worst, err / (rtol * (Math.abs(e) + floor) || Number.MIN_VALUE));
  }
  return { maxAbs, maxRel, worst, pass: worst <= 1 };
}
