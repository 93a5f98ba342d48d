// Elementwise ops: ReLU and leaky ReLU, the clamp that guards the log-variance, and the sum where two
// gradient paths meet. Gradients
// overwrite dx and may run in place (dx == dy).

/** y = max(x, 0). */
export function relu_forward(y: usize, x: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max(load<f32>(x + o), 0));
  }
}

/** dx = dy where the forward output y > 0, else 0. */
export function relu_backward(dx: usize, dy: usize, y: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

// Leaky ReLU (a discriminator's activation): y = x for x > 0, slope·x otherwise. With
// slope ≥ 0, y > 0 exactly where x > 0, so the backward reads the output like ReLU's. Both
// directions are one select: out = a where gate > 0, else slope·a.

@inline function leaky_select(out: usize, a: usize, gate: usize, count: i32, slope: f32): void {
  const zero = f32x4.splat(0), vslope = f32x4.splat(slope);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(a + o);
    v128.store(out + o, v128.bitselect(v, f32x4.mul(v, vslope), f32x4.gt(v128.load(gate + o), zero)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o);
    store<f32>(out + o, load<f32>(gate + o) > 0 ? v : v * slope);
  }
}

/** y = x where x > 0, else slope·x. */
export function leaky_relu_forward(y: usize, x: usize, count: i32, slope: f32): void {
  leaky_select(y, x, x, count, slope);
}

/** dx = dy where the forward output y > 0, else slope·dy. */
export function leaky_relu_backward(dx: usize, dy: usize, y: usize, count: i32, slope: f32): void {
  leaky_select(dx, dy, y, count, slope);
}

// Clamp to [lo, hi] (the log-variance guard). The gradient passes where lo < x < hi.

/** y = min(max(x, lo), hi). */
export function clamp_forward(y: usize, x: usize, count: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(load<f32>(x + o), lo), hi));
  }
}

/** dx = dy where lo < x < hi, else 0 (dx may be dy). */
export function clamp_backward(dx: usize, dy: usize, x: usize, count: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(dx + o, v128.and(v128.load(dy + o), v128.and(f32x4.gt(v, vlo), f32x4.lt(v, vhi))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, v > lo && v < hi ? load<f32>(dy + o) : 0);
  }
}

/** out = a + b (where two gradient paths meet). */
export function add(out: usize, a: usize, b: usize, count: i32): void {
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
