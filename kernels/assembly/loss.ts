// Loss reductions (docs/ARCHITECTURE.md, "Numerics conventions"): reconstruction terms are
// summed over pixels and averaged over the batch (nats per image); KL is summed over latents
// and averaged over the batch, and also kept per latent. Sums run in f64 so the scalar is right to f32 precision.
// Gradients overwrite their outputs, except kl_backward with accumulate = 1, which adds
// onto the reparameterisation gradient already in dmu / dlogvar.
import { exp_nonpositive_x4, log1p_unit_x4 } from "./mathx4";

/**
 * loss[0] = (1/batch) Σ max(l,0) − l·t + log(1 + exp(−|l|)): Bernoulli NLL with logits. With
 * `dlogits` (0 for none) it also writes the gradient (sigmoid(l) − t) / batch from the same
 * exp(−|l|): the loss and its gradient in one pass. Four pixels at a time with vector exp and
 * log1p (mathx4.ts); each lane's term is summed in f64.
 */
export function bernoulli_nll_forward(loss: usize, logits: usize, targets: usize, batch: i32, pixels: i32, dlogits: usize): void {
  const count = batch * pixels;
  const vecEnd = count & ~3;
  const inv: f32 = 1 / <f32>batch;
  const vinv = f32x4.splat(inv), zero = f32x4.splat(0), one = f32x4.splat(1);
  let low = f64x2.splat(0), high = f64x2.splat(0);
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    const l = v128.load(logits + o);
    const t = v128.load(targets + o);
    const e = exp_nonpositive_x4(f32x4.neg(f32x4.abs(l)));
    const term = f32x4.add(f32x4.sub(f32x4.max(l, zero), f32x4.mul(l, t)), log1p_unit_x4(e));
    low = f64x2.add(low, f64x2.promote_low_f32x4(term));
    high = f64x2.add(high, f64x2.promote_low_f32x4(v128.shuffle<f32>(term, term, 2, 3, 0, 1)));
    if (dlogits) {
      const r = f32x4.div(one, f32x4.add(one, e)); // stable on both sides of 0
      const s = v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(l, zero));
      v128.store(dlogits + o, f32x4.mul(f32x4.sub(s, t), vinv));
    }
  }
  let sum = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const l = load<f32>(logits + o);
    const t = load<f32>(targets + o);
    const e = Mathf.exp(-Mathf.abs(l));
    sum += <f64>(max<f32>(l, 0) - l * t + Mathf.log1p(e));
    if (dlogits) store<f32>(dlogits + o, bernoulli_grad(l, t, e, inv));
  }
  store<f32>(loss, <f32>(sum / batch));
}

/** (sigmoid(l) − t)·inv from e = exp(−|l|), stable on both sides of 0. */
// @ts-ignore: decorator
@inline function bernoulli_grad(l: f32, t: f32, e: f32, inv: f32): f32 {
  const s: f32 = l >= 0 ? 1 / (1 + e) : e / (1 + e);
  return (s - t) * inv;
}

/** dlogits = (sigmoid(l) − t) / batch. */
export function bernoulli_nll_backward(dlogits: usize, logits: usize, targets: usize, batch: i32, pixels: i32): void {
  const count = batch * pixels;
  const inv: f32 = 1 / <f32>batch;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const l = load<f32>(logits + o);
    store<f32>(dlogits + o, bernoulli_grad(l, load<f32>(targets + o), Mathf.exp(-Mathf.abs(l)), inv));
  }
}

/** loss[0] = (1/batch) Σ ½(x − t)²/σ² + ½·log(2πσ²): Gaussian NLL with fixed variance σ². */
export function gaussian_nll_forward(loss: usize, x: usize, targets: usize, batch: i32, pixels: i32, variance: f32): void {
  const count = batch * pixels;
  let sq: f64 = 0;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(x + o) - <f64>load<f32>(targets + o);
    sq += d * d;
  }
  const perImage = 0.5 * sq / <f64>variance / batch + 0.5 * <f64>pixels * Math.log(2 * Math.PI * <f64>variance);
  store<f32>(loss, <f32>perImage);
}

/** dx = (x − t) / (σ²·batch). */
export function gaussian_nll_backward(dx: usize, x: usize, targets: usize, batch: i32, pixels: i32, variance: f32): void {
  const count = batch * pixels;
  const scale: f32 = 1 / (variance * <f32>batch);
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, (load<f32>(x + o) - load<f32>(targets + o)) * scale);
  }
}

/**
 * KL(N(μ, exp(lv)) ‖ N(0, I)): perLatent[j] = (1/batch) Σ_b ½(μ² + exp(lv) − lv − 1),
 * total[0] = Σ_j perLatent[j]. mu and logvar are [batch, latents].
 */
export function kl_forward(total: usize, perLatent: usize, mu: usize, logvar: usize, batch: i32, latents: i32): void {
  let all: f64 = 0;
  for (let j = 0; j < latents; j++) {
    let sum: f64 = 0;
    for (let b = 0; b < batch; b++) {
      const o = <usize>(b * latents + j) << 2;
      const m = <f64>load<f32>(mu + o), lv = <f64>load<f32>(logvar + o);
      sum += 0.5 * (m * m + Math.exp(lv) - lv - 1);
    }
    const mean = sum / batch;
    store<f32>(perLatent + (<usize>j << 2), <f32>mean);
    all += mean;
  }
  store<f32>(total, <f32>all);
}

/**
 * Gradient of weight · KL: dmu = weight·μ/batch, dlogvar = weight·(exp(lv) − 1)/(2·batch);
 * added to dmu / dlogvar when accumulate != 0, written otherwise.
 */
export function kl_backward(dmu: usize, dlogvar: usize, mu: usize, logvar: usize, batch: i32, latents: i32, weight: f32, accumulate: i32): void {
  const count = batch * latents;
  const scale = weight / <f32>batch;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    let gm = scale * load<f32>(mu + o);
    let gl = scale * 0.5 * (Mathf.exp(load<f32>(logvar + o)) - 1);
    if (accumulate) {
      gm += load<f32>(dmu + o);
      gl += load<f32>(dlogvar + o);
    }
    store<f32>(dmu + o, gm);
    store<f32>(dlogvar + o, gl);
  }
}
