export interface CodeFactorSplit {
  latents: number;            // D
  factorSizes: readonly number[]; // K factors, values are integers 0..size-1
  factorNames: readonly string[];
  train: { codes: Float64Array; factors: Int32Array; count: number }; // row-major count×D, count×K
  test: { codes: Float64Array; factors: Int32Array; count: number };
}
