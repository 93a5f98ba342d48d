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

/** What every setting says of itself, as front ends show it. */
interface SettingBase {
  /** the descriptor's field, e.g. "capacityMax" */
  field: string;
  /** the CLI flag without dashes, also the study-file key, e.g. "capacity-max" */
  flag: string;
  help: string;
  /** how formulas write it, e.g. "β"; messages and pickers use it (the flag where absent) */
  symbol?: string;
  /** a resumed run may change it (the capacity ramp) */
  resumable?: boolean;
}

/** One number an objective is configured with. */
export interface NumberSetting extends SettingBase {
  default: number;
  min?: number;
  max?: number;
  integer?: boolean;
  /** the loss term it multiplies, e.g. "the KL term" (named when that term's gradient overflows) */
  weighs?: string;
  /** its default is the number of training images where the front end knows it (an estimator's N) */
  datasetSize?: boolean;
}

/** One of a few named values (β-TCVAE's estimator): the descriptor holds the name. */
export interface ChoiceSetting extends SettingBase {
  default: string;
  choices: readonly string[];
}

/** One setting of an objective, as front ends show it: a number, or one of named values. */
export type ObjectiveSetting = NumberSetting | ChoiceSetting;

export const isChoiceSetting = (s: ObjectiveSetting): s is ChoiceSetting => "choices" in s;

export interface ObjectiveKind<O extends { kind: string }> {
  readonly kind: O["kind"];
  /** Short name for people and pickers, e.g. "β-VAE", "β-TCVAE". */
  readonly label: string;
  /** Its settings, in the order front ends list them; each `field` is a field of O. */
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

/** What a setting without a value takes: its default, or for a dataset-size setting the training set's image count where known. */
export function settingDefault(s: ObjectiveSetting, imageCount: number | null = null): number | string {
  return !isChoiceSetting(s) && s.datasetSize && imageCount !== null ? imageCount : s.default;
}

/** Throws an ObjectiveError naming the first of `settings` whose value in `o` is out of its range, not a whole number where it must be, or not one of its choices. */
export function checkSettings(settings: readonly ObjectiveSetting[], o: object): void {
  for (const s of settings) {
    const v = (o as Record<string, unknown>)[s.field];
    if (isChoiceSetting(s)) {
      if (typeof v !== "string" || !s.choices.includes(v)) throw new ObjectiveError(`${s.flag} must be ${s.choices.join(" or ")}, got ${String(v)}`);
      continue;
    }
    const range = s.min !== undefined && s.max !== undefined ? ` between ${s.min} and ${s.max}` : s.min !== undefined ? ` ≥ ${s.min}` : s.max !== undefined ? ` ≤ ${s.max}` : "";
    const ok = typeof v === "number" && Number.isFinite(v) && (!s.integer || Number.isInteger(v)) && (s.min === undefined || v >= s.min) && (s.max === undefined || v <= s.max);
    if (!ok) throw new ObjectiveError(`${s.flag} must be ${s.integer ? "an integer" : "a number"}${range}, got ${String(v)}`);
  }
}
