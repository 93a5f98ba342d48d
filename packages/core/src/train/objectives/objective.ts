// What a training objective is. Two parts:
//   - its descriptor: plain JSON `{ kind, ...settings }`, stored in checkpoints;
//   - its kind: validates and describes descriptors, and builds, once per model, the run that
//     takes part in every update at the latent code.
// The trainer's update, with the run's hooks marked ▸:
//   forward (recon, KL, KL per latent) ▸ evaluate (loss and terms) → decoder backward → dz
//   ▸ addSampleGradient (adds to dz) → reparameterisation backward → dμ, d log σ²
//   ▸ addPosteriorGradient (adds to dμ, d log σ²) → encoder backward → the model's Adam
//   update ▸ update (the objective's own parameters).
// Hooks may be asynchronous (an objective computing on the host reads the latent code first).
import type { LatentCode } from "../../model/vae";
import type { ParameterArena } from "../../model/parameters";

export class ObjectiveError extends Error {
  override name = "ObjectiveError";
}

/** What the forward pass measured for this update, on the host. */
export interface ObjectiveStep {
  /** zero-based index of this update (the run's `step` before it) */
  step: number;
  /** reconstruction NLL, nats per image */
  recon: number;
  /** KL(q(z|x) ‖ N(0, I)) summed over latents, nats per image */
  kl: number;
  /** each latent's KL, nats per image */
  klPerLatent: Float32Array;
}

export interface ObjectiveReport {
  /** the minimised loss, nats per image */
  loss: number;
  /** d loss / d KL for the KL the objective weights by one number (β; γ·sign(KL − C)) */
  klWeight: number;
  /** target capacity C (nats) where the objective has one, else null */
  capacity: number | null;
  /** the loss's parts beyond the reconstruction, by name (metrics logs and charts show them) */
  terms: Record<string, number>;
}

/** One number an objective is configured with, as front ends show it. */
export interface ObjectiveSetting {
  /** the descriptor's field, e.g. "capacityMax" */
  field: string;
  /** the CLI flag without dashes, also the study-file key, e.g. "capacity-max" */
  flag: string;
  help: string;
  default: number;
  min?: number;
  max?: number;
  integer?: boolean;
  /** a resumed run may change it (the capacity ramp) */
  resumable?: boolean;
}

/** An objective's part in training one model: everything its hooks touch is allocated when it is built. */
export interface ObjectiveRun<O> {
  /** After the forward pass: the loss of this update under `objective`, and whatever the hooks below need. */
  evaluate(objective: O, step: ObjectiveStep): ObjectiveReport | Promise<ObjectiveReport>;
  /** Adds this objective's d loss / dz to `code.dz` (which holds the decoder's). */
  addSampleGradient?(): void | Promise<void>;
  /** Adds this objective's d loss / dμ, d loss / d log σ² to `code.dmu`, `code.dlogvar`. */
  addPosteriorGradient?(): void | Promise<void>;
  /** After the model's update: the update of the objective's own parameters (a discriminator's Adam step). */
  update?(): void | Promise<void>;
  /** The objective's own networks; checkpoints store their tensors (and Adam moments) beside the model's. */
  readonly parameters?: readonly ParameterArena[];
}

export interface ObjectiveKind<O extends { kind: string }> {
  readonly kind: O["kind"];
  /** Short name for people and pickers, e.g. "β-VAE", "β-TCVAE". */
  readonly label: string;
  /** Its numeric settings, in the order front ends list them. */
  readonly settings: readonly ObjectiveSetting[];
  /** Throws an ObjectiveError naming the first bad setting. */
  validate(objective: O): void;
  /** One line for people, e.g. "β-VAE, β = 4". */
  describe(objective: O): string;
  /**
   * The objective a run of this kind goes on with when asked for `requested` (of this kind)
   * at update `step`; `requested` itself when absent.
   */
  continueWith?(current: O, requested: O, step: number): O;
  /** The settings each metrics.jsonl line records beside the step, e.g. { beta: 4 }; none when absent. */
  logged?(objective: O): Record<string, number>;
  /** The run for one model; `seed` seeds anything it initialises (the training seed). */
  build(code: LatentCode, seed: number): ObjectiveRun<O>;
}

/** Throws an ObjectiveError unless `value` is a finite number ≥ 0. */
export function requireNonNegative(value: unknown, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new ObjectiveError(`${what} must be a non-negative number, got ${String(value)}`);
}
