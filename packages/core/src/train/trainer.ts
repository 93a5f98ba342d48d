// The training loop's step: a batch from the source, ε from the seeded generator, forward,
// the objective's loss, the backward pass with the objective's gradients added at the latent
// code, the non-finite guard, one fused Adam update (and the objective's own update).
// Everything the step touches was allocated when the trainer was built.
import type { Backend } from "../backend/backend";
import { type ModelConfig, validateModelConfig } from "../model/config";
import type { ParameterArena } from "../model/parameters";
import { BetaVAE } from "../model/vae";
import { Rng, type RngState } from "../rng";
import { meanSpread } from "./latent-watch";
import { type Objective, buildObjective, validateObjective } from "./objectives/index";
import { type ObjectiveRun, ObjectiveError } from "./objectives/objective";

/** Where training images come from (a dataset sampler with its own seeded state). */
export interface BatchSource {
  /** Fills `images` ([batch, height, width, channels], values in [0, 1]) with the next batch. */
  next(images: Float32Array): void;
  /**
   * Resolves when next() can fill a buffer of `floats` floats without waiting (a source that
   * decodes or reads its images off the training thread); sources in memory leave it out.
   */
  ready?(floats: number): Promise<void>;
  /** JSON-serialisable state from which `setState` continues the same stream. */
  getState(): unknown;
  setState(state: unknown): void;
}

export interface OptimiserConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_OPTIMISER: OptimiserConfig = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** The largest batch a run may use; a checkpoint asking more is refused before any memory is reserved. */
export const MAX_BATCH = 4096;

export interface TrainingConfig {
  model: ModelConfig;
  objective: Objective;
  optimiser: OptimiserConfig;
  batch: number;
  seed: number;
}

/** Everything besides the tensors that a resumed run needs to continue bitwise identically. */
export interface TrainingState {
  /** updates done so far */
  step: number;
  rng: RngState;
  source: unknown;
}

export interface StepMetrics {
  step: number;
  loss: number;
  /** reconstruction NLL, nats per image */
  recon: number;
  /** KL(q(z|x) ‖ N(0, I)), nats per image */
  kl: number;
  klPerLatent: number[];
  /** target capacity C (capacity objective only) */
  capacity: number | null;
  klWeight: number;
  gradNorm: number;
  /** the loss's parts beyond the reconstruction, named by the objective (e.g. betaKl, capacityPenalty) */
  terms: Record<string, number>;
}

export class NonFiniteError extends Error {
  override name = "NonFiniteError";
}

export class Trainer {
  readonly model: BetaVAE;
  /** Updates done so far. */
  step = 0;
  private settings: Readonly<TrainingConfig>;
  private objective: ObjectiveRun<Objective>;
  private readonly rng: Rng;
  private readonly images: Float32Array;
  private readonly eps: Float32Array;

  constructor(readonly backend: Backend, config: TrainingConfig, readonly source: BatchSource) {
    validateModelConfig(config.model);
    validateObjective(config.objective);
    validateOptimiser(config.optimiser);
    this.settings = frozenCopy(config);
    this.model = BetaVAE.build(backend, config.model, config.batch);
    this.rng = new Rng(config.seed);
    this.model.initialise(this.rng);
    this.objective = this.buildRun(config.objective);
    this.images = new Float32Array(this.model.input.length);
    this.eps = new Float32Array(this.model.eps.length);
  }

  /** The settings training runs with (change them with `setObjective` and `setLearningRate`). */
  get config(): Readonly<TrainingConfig> {
    return this.settings;
  }

  /** Trains on with `objective` from the next update (validated). A change of kind starts that kind's run afresh. */
  setObjective(objective: Objective): void {
    validateObjective(objective);
    if (objective.kind !== this.settings.objective.kind) this.objective = this.buildRun(objective);
    this.settings = frozenCopy({ ...this.settings, objective });
  }

  /** Trains on with learning rate `lr` from the next update (validated). */
  setLearningRate(lr: number): void {
    this.settings = frozenCopy({ ...this.settings, optimiser: validateOptimiser({ ...this.settings.optimiser, lr }) });
  }

  /** The objective's run for this model; its tensors may not take a name the model's have (checkpoints key them by name). */
  private buildRun(objective: Objective): ObjectiveRun<Objective> {
    const run = buildObjective(objective, this.model, this.settings.seed);
    const taken = new Set(this.model.parameterLayout.map((s) => s.name));
    for (const slot of (run.parameters ?? []).flatMap((arena) => arena.slots)) {
      if (taken.has(slot.name)) throw new ObjectiveError(`the ${objective.kind} objective names a tensor ${slot.name}, a name already taken`);
      taken.add(slot.name);
    }
    return run;
  }

  /** The model's parameters, then those the objective owns: what a checkpoint stores. */
  get parameterArenas(): readonly ParameterArena[] {
    return [this.model.parameters, ...(this.objective.parameters ?? [])];
  }

  /** One update. Throws NonFiniteError, leaving the parameters as they were, if anything is Inf or NaN. */
  async trainStep(): Promise<StepMetrics> {
    const be = this.backend;
    const model = this.model;
    if (this.source.ready) await this.source.ready(this.images.length);
    const objective = this.objective;
    this.source.next(this.images);
    be.write(model.input, this.images);
    this.rng.fillNormal(this.eps);
    be.write(model.eps, this.eps);
    model.forward();
    const [recon, kl] = [(await be.read(model.recon))[0], (await be.read(model.klTotal))[0]];
    if (!Number.isFinite(recon) || !Number.isFinite(kl)) {
      throw new NonFiniteError(`step ${this.step + 1}: the loss is not finite (recon ${recon}, KL ${kl}); stopped before updating the weights`);
    }
    const klPerLatent = await be.read(model.klPerLatent);
    const report = await objective.evaluate(this.settings.objective, { step: this.step, recon, kl, klPerLatent });
    model.backwardDecoder();
    await objective.addSampleGradient?.();
    model.backwardReparameterisation();
    await objective.addPosteriorGradient?.();
    model.backwardEncoder();
    const gradSquares = (await be.read(model.gradSquares))[0];
    if (!Number.isFinite(gradSquares)) {
      throw new NonFiniteError(`step ${this.step + 1}: a gradient is not finite; stopped before updating the weights`);
    }
    const o = this.settings.optimiser;
    be.adamUpdate(model.paramValues, model.paramGrads, model.adamM, model.adamV, model.arenaSize,
      { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, step: this.step + 1 });
    await objective.update?.();
    this.step++;
    return {
      step: this.step, loss: report.loss, recon, kl, klPerLatent: Array.from(klPerLatent),
      capacity: report.capacity, klWeight: report.klWeight, gradNorm: Math.sqrt(gradSquares), terms: report.terms,
    };
  }

  /** Standard deviation over the last step's batch of each latent's posterior mean. */
  async meanSpread(): Promise<number[]> {
    return meanSpread(await this.backend.read(this.model.mu), this.settings.batch, this.settings.model.latents);
  }

  getState(): TrainingState {
    return { step: this.step, rng: this.rng.getState(), source: this.source.getState() };
  }

  setState(state: TrainingState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`training step must be a non-negative integer, got ${state.step}`);
    this.rng.setState(state.rng);
    this.source.setState(state.source);
    this.step = state.step;
  }
}

/** A deep copy no caller can change behind the trainer's back. */
function frozenCopy<T>(value: T): T {
  const freeze = (v: unknown): void => {
    if (typeof v !== "object" || v === null) return;
    Object.freeze(v);
    for (const inner of Object.values(v)) freeze(inner);
  };
  const copy = structuredClone(value);
  freeze(copy);
  return copy;
}

export function validateOptimiser(o: OptimiserConfig): OptimiserConfig {
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new RangeError(`lr must be a positive number, got ${o.lr}`);
  for (const [name, v] of [["beta1", o.beta1], ["beta2", o.beta2]] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`Adam ${name} must be in [0, 1), got ${v}`);
  }
  if (!(o.eps > 0)) throw new RangeError(`Adam eps must be positive, got ${o.eps}`);
  return o;
}
