// ReLU. The gradient overwrites dx and may run in place (dx == dy).

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
