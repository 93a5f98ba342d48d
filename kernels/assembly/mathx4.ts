// Four-lane exp and log1p for the Bernoulli loss: Cephes-style range reduction and the
// single-precision Cephes polynomials, within a few ulp of the scalar functions. Plain SIMD,
// so both builds share it.

@inline function madd(a: v128, b: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(a, b), f32x4.splat(c));
}

/**
 * exp(x) for x ≤ 0. Inputs below −87.3, where exp leaves the normal range, give exp(−87.3)
 * ≈ 1.2e-38: as a loss term or a sigmoid's tail that differs from the true value by less
 * than f32 can show next to the other terms.
 */
@inline export function exp_nonpositive_x4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.3));
  // x = n·ln 2 + r with |r| ≤ ln 2 / 2; ln 2 in two parts keeps r exact
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = madd(f32x4.splat(1.9875691500e-4), r, 1.3981999507e-3);
  p = madd(p, r, 8.3334519073e-3);
  p = madd(p, r, 4.1665795894e-2);
  p = madd(p, r, 1.6666665459e-1);
  p = madd(p, r, 5.0000001201e-1);
  const e = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // 2^n from the exponent bits (n ≥ −126 here, so 2^n is normal)
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(e, scale);
}

/** log(1 + e) for 0 ≤ e ≤ 1, with Goldberg's correction so small e keep full relative precision. */
@inline export function log1p_unit_x4(e: v128): v128 {
  const one = f32x4.splat(1);
  const u = f32x4.add(e, one); // in [1, 2]
  // u = 2^k·x with x in [√½, √2): f = x − 1 is exact and small
  const big = f32x4.gt(u, f32x4.splat(1.41421356));
  const x = v128.bitselect(f32x4.mul(u, f32x4.splat(0.5)), u, big);
  const k = v128.and(big, one); // 1.0 or 0.0
  const f = f32x4.sub(x, one);
  const z = f32x4.mul(f, f);
  let y = madd(f32x4.splat(7.0376836292e-2), f, -1.1514610310e-1);
  y = madd(y, f, 1.1676998740e-1);
  y = madd(y, f, -1.2420140846e-1);
  y = madd(y, f, 1.4249322787e-1);
  y = madd(y, f, -1.6668057665e-1);
  y = madd(y, f, 2.0000714765e-1);
  y = madd(y, f, -2.4999993993e-1);
  y = madd(y, f, 3.3333331174e-1);
  y = f32x4.mul(f32x4.mul(y, f), z);
  y = f32x4.add(y, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  const logU = f32x4.add(f32x4.add(f, y), f32x4.mul(k, f32x4.splat(0.693359375)));
  // u's rounding lost part of e; u − 1 is exact, so log(u)·e/(u − 1) restores it (u = 1: e itself)
  const d = f32x4.sub(u, one);
  return v128.bitselect(e, f32x4.div(f32x4.mul(logU, e), d), f32x4.eq(d, f32x4.splat(0)));
}
