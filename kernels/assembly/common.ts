// Shared helpers for every kernel file.
//
// One source, two builds: with `--enable relaxed-simd` the multiply-add below is
// `f32x4.relaxed_madd` (a fused multiply-add on x86 with FMA); without it, a separate
// multiply and add. ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build
// contains only one of the two paths.

/** acc + a·b, four lanes at a time. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(f32x4.mul(a, b), acc);
}

/** Where the host may start placing buffers: everything below is the module's own. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 when this build multiplies and adds with relaxed-SIMD FMA, 0 otherwise. */
export function uses_relaxed_simd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
