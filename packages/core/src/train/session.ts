// A training session: the run loop every front end drives (the CLI, the page's worker, the
// benchmark). It steps a Trainer, logs a MetricsRecord every `logEvery` steps, reads the latent
// watch on each logged step (so a warning comes at the same step wherever the run trains),
// hands checkpoints to a writer the front end provides (every N steps, at the end, on abort),
// and takes objective and learning-rate changes between steps. No file system, no timers
// beyond a yield between steps: it runs in Node and in a browser worker alike.
import { type Checkpoint, encodeCheckpoint, hasOptimizerState, loadWeights, restoreCheckpoint } from "./checkpoint";
import { type UninformativeLatent, UninformativeKlWatch } from "./latent-watch";
import type { MetricsRecord } from "./metrics-record";
import { type Objective, continueObjective, loggedSettings } from "./objectives";
import type { StepMetrics, Trainer } from "./trainer";

/** Steps between logged records, and so between readings of the latent watch. */
export const DEFAULT_LOG_EVERY = 10;

/** When and where a session's checkpoints go. */
export interface CheckpointHooks {
  /** steps between checkpoints; besides these, a run saves when it ends or is aborted */
  every?: number;
  /** what the front end stores beside the run (the dataset's name, the curves so far) */
  app(): Record<string, unknown>;
  /** keeps the bytes: an atomic file write in Node, a buffer in the page */
  write(bytes: Uint8Array, step: number): void | Promise<void>;
}

export interface SessionOptions {
  /** steps between logged records and watch readings (default DEFAULT_LOG_EVERY) */
  logEvery?: number;
  checkpoints?: CheckpointHooks;
  /** what each record names as the backend that computed it */
  backend?: { name: string; threads: number };
  /** each logged step, in order */
  onRecord?(record: MetricsRecord): void | Promise<void>;
  /** a latent the watch flagged: KL without information (each latent once per session) */
  onWarning?(latent: UninformativeLatent): void;
  /** every step, after its record */
  onStep?(step: SessionStep): void;
  /** awaited between the steps of `run` so the front end's events (a Ctrl-C, a pause) get in */
  yieldBetweenSteps?: () => Promise<void>;
  /** milliseconds, for the images/s and seconds of records (default performance.now) */
  now?: () => number;
}

export interface SessionStep {
  metrics: StepMetrics;
  /** images per second over about the last second */
  imagesPerSec: number;
  /** the step's record when it was a logged step */
  record: MetricsRecord | null;
  warnings: UninformativeLatent[];
}

/** How `run` ended: it reached its step, or its signal stopped it after a step. */
export type RunEnd = "finished" | "aborted";

/** The images/s window: the rate is refreshed about once a second. */
const RATE_WINDOW_MS = 1000;

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class TrainingSession {
  readonly logEvery: number;
  private watch: UninformativeKlWatch;
  private readonly now: () => number;
  private started: number | null = null;
  private windowStart = 0;
  private windowImages = 0;
  private imagesPerSec = 0;
  /** the step of the last checkpoint handed to the writer */
  private savedStep = -1;

  constructor(readonly trainer: Trainer, private readonly options: SessionOptions = {}) {
    this.logEvery = options.logEvery ?? DEFAULT_LOG_EVERY;
    if (!(Number.isInteger(this.logEvery) && this.logEvery >= 1)) throw new RangeError(`logEvery must be a positive integer, got ${this.logEvery}`);
    const every = options.checkpoints?.every;
    if (every !== undefined && !(Number.isInteger(every) && every >= 1)) throw new RangeError(`checkpoints.every must be a positive integer, got ${every}`);
    this.watch = new UninformativeKlWatch(trainer.config.model.latents);
    this.now = options.now ?? (() => performance.now());
  }

  /** Updates done so far. */
  get step(): number {
    return this.trainer.step;
  }

  /**
   * Continues from a checkpoint: weights, Adam moments, step and random streams. A checkpoint
   * of weights alone (an export) is refused unless `weightsOnly` allows it: Adam then starts afresh.
   */
  resume(checkpoint: Checkpoint, options: { weightsOnly?: boolean } = {}): void {
    if (options.weightsOnly && !hasOptimizerState(checkpoint)) {
      loadWeights(this.trainer.model, checkpoint, false);
      this.trainer.setState(checkpoint.state);
    } else restoreCheckpoint(this.trainer, checkpoint);
    this.watch = new UninformativeKlWatch(this.trainer.config.model.latents);
  }

  /** Trains on with `requested`; a capacity run's C goes on from where it stands (continueObjective). Returns what applies. */
  setObjective(requested: Objective): Objective {
    const objective = continueObjective(this.trainer.config.objective, requested, this.trainer.step);
    this.trainer.setObjective(objective);
    return objective;
  }

  setLearningRate(lr: number): void {
    this.trainer.setLearningRate(lr);
  }

  /** One step, outside `run` (a front end that schedules its own steps); it logs on every `logEvery`-th step. */
  trainStep(): Promise<SessionStep> {
    return this.advance(null);
  }

  /**
   * Steps until the trainer is at step `until` or `signal` aborts (it stops after the current
   * step), then saves a checkpoint if it stepped (unless one of this step was just saved). The
   * last step is always logged.
   */
  async run(until: number, signal?: AbortSignal): Promise<RunEnd> {
    const pause = this.options.yieldBetweenSteps ?? macrotask;
    let stepped = false;
    while (this.trainer.step < until && !signal?.aborted) {
      await this.advance(until);
      stepped = true;
      await pause();
    }
    if (stepped && this.savedStep !== this.trainer.step) await this.saveCheckpoint();
    return this.trainer.step >= until ? "finished" : "aborted";
  }

  /** The run as checkpoint bytes, with the front end's app metadata. */
  encodeCheckpoint(): Promise<Uint8Array> {
    return encodeCheckpoint(this.trainer, this.options.checkpoints?.app() ?? {});
  }

  /** Hands a checkpoint of the current step to the writer (nothing without checkpoint hooks). */
  async saveCheckpoint(): Promise<void> {
    const hooks = this.options.checkpoints;
    if (!hooks) return;
    await hooks.write(await this.encodeCheckpoint(), this.trainer.step);
    this.savedStep = this.trainer.step;
  }

  private async advance(lastStep: number | null): Promise<SessionStep> {
    const o = this.options;
    const start = this.now();
    if (this.started === null) this.started = this.windowStart = start;
    const metrics = await this.trainer.trainStep();
    const now = this.now();
    this.windowImages += this.trainer.config.batch;
    if (now - this.windowStart > RATE_WINDOW_MS || this.imagesPerSec === 0) {
      this.imagesPerSec = (this.windowImages * 1000) / Math.max(now - this.windowStart, 1e-3);
      this.windowStart = now;
      this.windowImages = 0;
    }
    let record: MetricsRecord | null = null;
    let warnings: UninformativeLatent[] = [];
    if (metrics.step % this.logEvery === 0 || metrics.step === lastStep) {
      const meanStdPerLatent = await this.trainer.meanSpread();
      warnings = this.watch.observe(metrics.step, metrics.klPerLatent, meanStdPerLatent);
      for (const u of warnings) o.onWarning?.(u);
      record = this.record(metrics, meanStdPerLatent, now);
      await o.onRecord?.(record);
    }
    const step = { metrics, imagesPerSec: this.imagesPerSec, record, warnings };
    o.onStep?.(step);
    const every = o.checkpoints?.every;
    if (every !== undefined && metrics.step % every === 0) await this.saveCheckpoint();
    return step;
  }

  private record(m: StepMetrics, meanStdPerLatent: number[], now: number): MetricsRecord {
    const objective = this.trainer.config.objective;
    // per record, as a resumed run may change them (and threads change float summation order)
    const backend = this.options.backend;
    return {
      step: m.step, recon: m.recon, kl: m.kl, klPerLatent: m.klPerLatent, meanStdPerLatent, C: m.capacity,
      ...loggedSettings(objective),
      loss: m.loss, terms: m.terms, gradNorm: m.gradNorm, imagesPerSec: Math.round(this.imagesPerSec), seconds: Math.round((now - this.started!) / 100) / 10,
      ...(backend ? { backend: backend.name, threads: backend.threads } : {}),
    };
  }
}
