// Whole-buffer reductions for monitoring (gradient norm, the non-finite guard).

/** out[0] = Σ x², summed in f64; Inf or NaN anywhere in x makes it non-finite. */
export function sum_squares(out: usize, x: usize, count: i32): void {
  let sum: f64 = 0;
  for (let i = 0; i < count; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    sum += v * v;
  }
  store<f32>(out, <f32>sum);
}
