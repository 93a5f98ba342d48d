// Reparameterisation z = μ + exp(lv/2)·ε over [batch, latents] (count = batch·latents).
// The gradient overwrites dmu and dlogvar; the KL gradient is added on top of them
// (kl_backward with accumulate = 1).

export function reparam_forward(z: usize, mu: usize, logvar: usize, eps: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(mu + o) + Mathf.exp(0.5 * load<f32>(logvar + o)) * load<f32>(eps + o));
  }
}

/** dmu = dz; dlogvar = dz · ε · exp(lv/2) / 2. */
export function reparam_backward(dmu: usize, dlogvar: usize, dz: usize, logvar: usize, eps: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dz + o);
    store<f32>(dmu + o, g);
    store<f32>(dlogvar + o, g * load<f32>(eps + o) * 0.5 * Mathf.exp(0.5 * load<f32>(logvar + o)));
  }
}
