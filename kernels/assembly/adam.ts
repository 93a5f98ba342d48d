// Fused Adam step (Kingma & Ba) with bias correction; eps is added to sqrt(v̂):
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr · (m / bc1) / (sqrt(v / bc2) + eps)
// where bc1 = 1 − β1^t and bc2 = 1 − β2^t are computed by the caller for step t.

export function adam_update(
  params: usize, grads: usize, m: usize, v: usize, count: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32,
): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(1 - beta1), c2 = f32x4.splat(1 - beta2);
  const inv1 = f32x4.splat(1 / bc1), inv2 = f32x4.splat(1 / bc2);
  const rate = f32x4.splat(lr), e = f32x4.splat(eps);
  const vecEnd = count & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grads + o);
    const mt = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, g));
    const vt = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(g, g)));
    v128.store(m + o, mt);
    v128.store(v + o, vt);
    const step = f32x4.div(f32x4.mul(mt, inv1), f32x4.add(f32x4.sqrt(f32x4.mul(vt, inv2)), e));
    v128.store(params + o, f32x4.sub(v128.load(params + o), f32x4.mul(rate, step)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grads + o);
    const mt = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    const vt = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
    store<f32>(params + o, load<f32>(params + o) - lr * ((mt * (1 / bc1)) / (Mathf.sqrt(vt * (1 / bc2)) + eps)));
  }
}
