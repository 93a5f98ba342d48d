// FactorVAE (Kim & Mnih 2018) as disentanglement_lib's `FactorVAE` (methods/unsupervised/vae.py):
// minimises recon + KL + γ·TC, the total correlation TC estimated by a discriminator D that
// tells codes z ~ q(z) from codes whose latents are each permuted across the batch (samples of
// ∏_j q(z_j)): TC ≈ mean_i (D(z_i)₀ − D(z_i)₁), the log density ratio. D (fc_discriminator: six
// layers of 1000 leaky-ReLU units, slope 0.2, and two logits) has its own Adam (lr 1e-4,
// β1 0.5, β2 0.9, ε 1e-8) and minimises −(½·mean log p₀(z) + ½·mean log p₁(z_perm)), the
// probabilities clipped to [1e-6, 1 − 1e-6]. Both losses come from one forward pass, as
// TensorFlow's grouped train ops: D steps after the VAE, on the logits it had before.
//
// D runs on the model's backend, [z; z_perm] as one batch of 2B rows. The host reads z (to
// permute it) and the logits (for both losses) once each per update. The permutation of update
// t is drawn from an Rng seeded by (training seed, t), so a resumed run needs no extra state.
import { DISCRIMINATOR_CLASSES, Discriminator, type DiscriminatorShape } from "../../model/discriminator";
import type { LatentCode } from "../../model/vae";
import { Rng } from "../../rng";
import { addKlGradient } from "./kl-weighted";
import { type ObjectiveKind, type ObjectiveReport, type ObjectiveRun, type ObjectiveStep, requireNonNegative } from "./objective";

export interface FactorVaeObjective {
  kind: "factorvae";
  /** weight of the total-correlation estimate */
  gamma: number;
}

/** disentanglement_lib's fc_discriminator. */
export const FACTORVAE_DISCRIMINATOR: DiscriminatorShape = { layers: 6, hidden: 1000 };
/** tf.nn.leaky_relu's default slope, which fc_discriminator uses. */
export const FACTORVAE_SLOPE = 0.2;
/** The discriminator's Adam in disentanglement_lib's unsupervised study (model_configs/shared.gin). */
export const FACTORVAE_OPTIMISER = { lr: 1e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8 } as const;
/** make_discriminator clips the softmax to [1e-6, 1 − 1e-6] before the log. */
const PROBABILITY_CLIP = 1e-6;

/** What the discriminator's loss and its gradient on the logits come to for one batch. */
export interface DiscriminatorLoss {
  /** −(½·mean log p₀(z) + ½·mean log p₁(z_perm)), nats */
  loss: number;
  /** the fraction of the 2B rows whose larger logit is the right class */
  accuracy: number;
  /** mean over z's rows of logit₀ − logit₁ */
  tc: number;
}

/**
 * The discriminator's loss on `logits` ([2B, 2]: z's rows, then z_perm's) and its gradient,
 * written into `dLogits` (same layout). A probability outside the clip gets no gradient, as
 * tf.clip_by_value's.
 */
export function discriminatorLoss(logits: ArrayLike<number>, batch: number, dLogits: { [i: number]: number }): DiscriminatorLoss {
  let loss = 0, right = 0, tc = 0;
  const half = 0.5 / batch;
  for (let i = 0; i < 2 * batch; i++) {
    const target = i < batch ? 0 : 1;
    const [l0, l1] = [logits[2 * i], logits[2 * i + 1]];
    // p of the target class = σ(l_target − l_other), its log = −softplus(l_other − l_target)
    const margin = target === 0 ? l0 - l1 : l1 - l0;
    const p = 1 / (1 + Math.exp(-margin));
    const clipped = p < PROBABILITY_CLIP || p > 1 - PROBABILITY_CLIP;
    loss -= half * (clipped ? Math.log(Math.min(Math.max(p, PROBABILITY_CLIP), 1 - PROBABILITY_CLIP))
      : -(Math.max(-margin, 0) + Math.log1p(Math.exp(-Math.abs(margin)))));
    // d(−log p)/d l_target = p − 1, d/d l_other = 1 − p
    dLogits[2 * i + target] = clipped ? 0 : half * (p - 1);
    dLogits[2 * i + 1 - target] = clipped ? 0 : half * (1 - p);
    if (margin > 0) right++;
    if (i < batch) tc += l0 - l1;
  }
  return { loss, accuracy: right / (2 * batch), tc: tc / batch };
}

/** murmur3's finaliser: every bit of h reaches every bit of the result. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of a stream of its own for each (training seed, purpose, update). */
function streamSeed(seed: number, purpose: number, step: number): number {
  return mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) ^ mix32(purpose ^ mix32(step))));
}
const INITIALISATION = 1;
const PERMUTATION = 2;

/**
 * Writes into `out` (B × L) the code `z` with each latent's column shuffled independently across
 * the batch (Fisher–Yates, as tf.random_shuffle per column in shuffle_codes).
 */
export function permuteLatents(out: Float32Array, z: ArrayLike<number>, batch: number, latents: number, rng: Rng): void {
  for (let j = 0; j < latents; j++) {
    for (let i = 0; i < batch; i++) out[i * latents + j] = z[i * latents + j];
    for (let i = batch - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      const t = out[i * latents + j];
      out[i * latents + j] = out[k * latents + j];
      out[k * latents + j] = t;
    }
  }
}

/** FactorVAE's run for one model, with a discriminator of `shape` (tests use a small one). */
export function factorVaeRun<O extends { gamma: number }>(code: LatentCode, seed: number, shape: DiscriminatorShape = FACTORVAE_DISCRIMINATOR): ObjectiveRun<O> {
  const be = code.backend;
  const [B, L] = [code.batch, code.latents];
  const d = new Discriminator(be, L, 2 * B, shape, FACTORVAE_SLOPE, "discriminator");
  d.initialise(new Rng(streamSeed(seed, INITIALISATION, 0)));
  const rng = new Rng(streamSeed(seed, PERMUTATION, 0));
  const pairs = new Float32Array(2 * B * L);
  const permuted = pairs.subarray(B * L);
  const dLogits = new Float32Array(2 * B * DISCRIMINATOR_CLASSES);
  const dTc = new Float32Array(B * DISCRIMINATOR_CLASSES);
  const adam = { ...FACTORVAE_OPTIMISER, step: 0 };
  let gamma = 0;
  return {
    parameters: [d.parameters],
    async evaluate(o: O, s: ObjectiveStep): Promise<ObjectiveReport> {
      gamma = o.gamma;
      // Adam's bias correction counts the model's updates, which resume restores (a
      // discriminator that joins a run late starts with its correction already spent)
      adam.step = s.step + 1;
      const z = await be.read(code.z);
      pairs.set(z);
      rng.reseed(streamSeed(seed, PERMUTATION, s.step));
      permuteLatents(permuted, z, B, L, rng);
      be.write(d.input, pairs);
      d.forward(2 * B);
      const r = discriminatorLoss(await be.read(d.logits), B, dLogits);
      const gammaTc = gamma * r.tc;
      return {
        loss: s.recon + s.kl + gammaTc, klWeight: 1, capacity: null,
        terms: { gammaTc, tc: r.tc, discriminatorLoss: r.loss, discriminatorAccuracy: r.accuracy },
      };
    },
    addSampleGradient() {
      // d(γ·mean_i(logit₀ − logit₁))/d logits of z's rows: γ/B·(1, −1)
      for (let i = 0; i < B; i++) {
        dTc[2 * i] = gamma / B;
        dTc[2 * i + 1] = -gamma / B;
      }
      be.write(d.dLogits, dTc);
      d.backwardInput(B);
      be.add(code.dz, code.dz, d.dInput, B * L);
    },
    addPosteriorGradient: () => addKlGradient(code, 1),
    update() {
      be.write(d.dLogits, dLogits);
      d.backward(2 * B);
      be.adamUpdate(d.parameters.values, d.parameters.grads, d.parameters.adamM, d.parameters.adamV, d.parameters.size, adam);
    },
  };
}

/** A FactorVAE kind named `kind` whose discriminator has `shape` (the registered one: disentanglement_lib's). */
export function factorVaeKind<K extends string>(kind: K, shape: DiscriminatorShape): ObjectiveKind<{ kind: K; gamma: number }> {
  return {
    kind,
    label: "FactorVAE",
    settings: [{
      field: "gamma", flag: "gamma", default: 10, min: 0,
      help: "γ of FactorVAE, the weight of the total-correlation estimate (disentanglement_lib sweeps 10–100; 10, its smallest, by default)",
    }],
    validate: (o) => requireNonNegative(o.gamma, "gamma"),
    describe: (o) => `FactorVAE, γ = ${o.gamma}`,
    logged: (o) => ({ gamma: o.gamma }),
    build: (code, seed) => factorVaeRun(code, seed, shape),
  };
}

export const FACTORVAE: ObjectiveKind<FactorVaeObjective> = factorVaeKind("factorvae", FACTORVAE_DISCRIMINATOR);
