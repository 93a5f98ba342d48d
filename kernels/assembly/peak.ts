// An FMA-bound kernel with no memory traffic: twelve independent multiply-add chains
// (enough to cover the FMA latency), so that its GFLOP/s is the machine's practical
// WASM peak for this build. Benchmarks report every kernel as a fraction of it.
import { madd } from "./common";

/** Runs `iterations` × 12 vector multiply-adds (96 FLOP per vector op pair × 4 lanes); returns a lane sum so the work cannot be dropped. */
export function fma_peak(iterations: i32, seed: f32): f32 {
  const m = f32x4.splat(0.999999);
  const d = f32x4.splat(1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, m, d); a1 = madd(a1, m, d); a2 = madd(a2, m, d); a3 = madd(a3, m, d);
    a4 = madd(a4, m, d); a5 = madd(a5, m, d); a6 = madd(a6, m, d); a7 = madd(a7, m, d);
    a8 = madd(a8, m, d); a9 = madd(a9, m, d); a10 = madd(a10, m, d); a11 = madd(a11, m, d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11));
  const u = f32x4.add(s, t);
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1) + f32x4.extract_lane(u, 2) + f32x4.extract_lane(u, 3);
}
