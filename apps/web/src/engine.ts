// The demo's model engine: one trained model (or the shipped one), its backend, and the
// views that share its parameters (batch 1 for the sliders, batch 8 for traversals, batch 64
// for KL and reconstructions: the trained model itself when it has that batch). It runs
// inside the page's worker, but nothing here knows about messages, so Node tests drive it.
//
// Each model owns its backend: a reset or a load builds the new one beside the old and only
// then swaps, so a checkpoint that fails to load leaves the current model untouched (and the
// old backend's memory is released with it, since backends cannot free single buffers).
import {
  type Backend, BetaVAE, type Checkpoint, type HistoryPoint, type Objective, Rng, type StepMetrics, Trainer, type TrainingConfig,
  UninformativeKlWatch, WasmBackend, appendHistory, continueObjective, decodeCheckpoint, describeUninformative, encodeCheckpoint, hasOptimizerState, historyOf, loadWeights, restoreCheckpoint, thinHistory, validateObjective,
  validateOptimiser,
} from "@betavae/core";
import { DATASET_NAMES, type Dataset, type DatasetName, DatasetSampler, type RasterImage, createDataset } from "@betavae/datasets";
import { bestVariant } from "@betavae/kernels";
import { figureModels, klOrder, klPerLatent, posteriorMean, reconstructionFigure, traversalFigure } from "@betavae/eval";

/** A latent counts as active when its mean KL exceeds this, in nats (docs/ARCHITECTURE.md, "Metrics"). */
export const ACTIVE_KL = 0.1;
/** Sliders and traversals sweep each latent over [−RANGE, RANGE]. */
export const RANGE = 3;
const TRAVERSAL_STEPS = 8;

export type BackendChoice = "auto" | "wasm" | "webgpu";

export interface BackendInfo {
  kind: "wasm" | "webgpu";
  /** e.g. "WASM relaxed-SIMD, 4 threads" or "WebGPU: nvidia ampere" */
  label: string;
  /** why a WebGPU request ended on WASM, if it did */
  fallback?: string;
}

/** What a user sets before training; dataset, latents, batch and seed define a model, the rest may change as it trains. */
export interface TrainSettings {
  dataset: DatasetName;
  latents: number;
  batch: number;
  seed: number;
  objective: Objective;
  lr: number;
}

export interface ModelInfo {
  dataset: DatasetName;
  config: TrainingConfig;
  step: number;
  parameterCount: number;
  /** where the model came from: "shipped model", a file name, or "new model" */
  origin: string;
}

/** A loaded model and the curves of its training, when the checkpoint carries them (bvae export). */
export type LoadedModel = ModelInfo & { history: HistoryPoint[] };

export interface View {
  /** mean KL per latent over a batch of dataset images */
  kl: number[];
  /** latent indices, highest KL first */
  order: number[];
  /** the posterior mean of the seed image: where the sliders start */
  mean: number[];
  seedImage: Float32Array;
  traversal: RasterImage;
  reconstructions: RasterImage;
}

export class LoadError extends Error {
  override name = "LoadError";
}

interface ModelSet {
  backend: Backend;
  trainer: Trainer;
  dataset: Dataset;
  single: BetaVAE;
  traversal: BetaVAE;
  batch: BetaVAE;
  origin: string;
  /** the steps it trained along: a loaded checkpoint's, then this page's, thinned as it grows */
  history: HistoryPoint[];
  /** flags latents that gain KL without information while the page trains */
  watch: UninformativeKlWatch;
  /** what the watch found that the page has not taken yet */
  warnings: string[];
}

/** Training reads each latent's spread every this many steps (a read-back on WebGPU). */
const WATCH_EVERY = 50;

/** The page keeps at most this many logged steps in memory (appendHistory halves them past it). */
const HISTORY_KEPT = 4000;

type BackendFactory = () => Promise<Backend>;

export class Engine {
  private current: ModelSet | null = null;

  private constructor(private readonly makeBackend: BackendFactory, readonly backendInfo: BackendInfo) {}

  /** An engine on the chosen backend; `auto` takes WebGPU only on a hardware adapter (software ones are slower than WASM). */
  static async create(choice: BackendChoice, threads: number): Promise<Engine> {
    const variant = await bestVariant();
    const wasmInfo: BackendInfo = { kind: "wasm", label: `WASM ${variant === "relaxed" ? "relaxed-SIMD" : "SIMD"}, ${threads} thread${threads > 1 ? "s" : ""}` };
    const wasm: BackendFactory = () => WasmBackend.create({ threads, variant });
    if (choice === "wasm") return new Engine(wasm, wasmInfo);
    let fallback: string;
    try {
      const { createWebGpuBackend, describeAdapter } = await import("@betavae/webgpu");
      const first = await createWebGpuBackend();
      if (choice === "webgpu" || !first.adapter.isFallbackAdapter) {
        const label = `WebGPU: ${describeAdapter(first.adapter)}`;
        first.dispose();
        return new Engine(() => createWebGpuBackend(), { kind: "webgpu", label });
      }
      fallback = `WebGPU adapter ${describeAdapter(first.adapter)} is a software one, slower than WASM`;
      first.dispose();
    } catch (e) {
      fallback = (e as Error).message;
    }
    return new Engine(wasm, { ...wasmInfo, fallback });
  }

  get model(): ModelInfo | null {
    const m = this.current;
    if (!m) return null;
    return {
      dataset: m.dataset.name as DatasetName, config: structuredClone(m.trainer.config), step: m.trainer.step,
      parameterCount: m.trainer.model.parameterCount, origin: m.origin,
    };
  }

  /** A fresh, randomly initialised model. */
  async reset(settings: TrainSettings): Promise<ModelInfo> {
    validateObjective(settings.objective);
    validateOptimiser({ lr: settings.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const dataset = createDataset(settings.dataset);
    const config: TrainingConfig = {
      model: {
        height: dataset.height, width: dataset.width, channels: dataset.channels, latents: settings.latents,
        convChannels: 32, hidden: 256, likelihood: "bernoulli", variance: 1,
      },
      objective: settings.objective,
      optimiser: { lr: settings.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      batch: settings.batch,
      seed: settings.seed,
    };
    await this.swapIn(async (backend) => {
      const trainer = new Trainer(backend, config, new DatasetSampler(dataset, config.seed + 1));
      return { trainer, dataset, origin: "new model", history: [] };
    });
    return this.model!;
  }

  /**
   * Loads a checkpoint made by `bvae train` or by this page. Anything wrong with it throws a
   * LoadError with a sentence for the user, and the current model stays as it was.
   */
  async load(bytes: Uint8Array, origin: string): Promise<LoadedModel> {
    let checkpoint: Checkpoint;
    try {
      checkpoint = decodeCheckpoint(bytes);
    } catch (e) {
      throw new LoadError(`${origin} is not a betavae checkpoint: ${(e as Error).message}`);
    }
    const dataset = datasetFor(checkpoint, origin);
    const m = checkpoint.config.model;
    if (m.height !== dataset.height || m.width !== dataset.width || m.channels !== dataset.channels) {
      throw new LoadError(`${origin} is a model of ${m.height}×${m.width}×${m.channels} images; `
        + `${dataset.name} images are ${dataset.height}×${dataset.width}×${dataset.channels}, so the page cannot show or train it`);
    }
    let history: HistoryPoint[];
    try {
      history = historyOf(checkpoint.app, m.latents);
    } catch (e) {
      throw new LoadError(`${origin} does not load: ${(e as Error).message}`);
    }
    await this.swapIn(async (backend) => {
      const trainer = new Trainer(backend, checkpoint.config, new DatasetSampler(dataset, checkpoint.config.seed + 1));
      try {
        if (hasOptimizerState(checkpoint)) restoreCheckpoint(trainer, checkpoint);
        else {
          // an export holds weights only: training on from it starts Adam afresh
          loadWeights(trainer.model, checkpoint, false);
          trainer.setState(checkpoint.state);
        }
      } catch (e) {
        throw new LoadError(`${origin} does not load: ${(e as Error).message}`);
      }
      return { trainer, dataset, origin, history };
    });
    return { ...this.model!, history };
  }

  /** Changes what may change while a model trains (objective and learning rate); false if the settings need a new model. */
  adjust(settings: TrainSettings): boolean {
    const m = this.current;
    if (!m) return false;
    const c = m.trainer.config;
    if (settings.dataset !== m.dataset.name || settings.latents !== c.model.latents || settings.batch !== c.batch || settings.seed !== c.seed) return false;
    const objective = continueObjective(c.objective, settings.objective, m.trainer.step); // C never jumps
    c.optimiser = validateOptimiser({ ...c.optimiser, lr: settings.lr });
    c.objective = objective;
    return true;
  }

  async trainStep(): Promise<StepMetrics> {
    const m = this.need();
    const metrics = await m.trainer.trainStep();
    m.history = appendHistory(m.history, { step: metrics.step, recon: metrics.recon, kl: metrics.kl, C: metrics.capacity, klPerLatent: metrics.klPerLatent }, HISTORY_KEPT);
    if (metrics.step % WATCH_EVERY === 0) {
      for (const u of m.watch.observe(metrics.step, metrics.klPerLatent, await m.trainer.meanSpread())) m.warnings.push(describeUninformative(u));
    }
    return metrics;
  }

  /** Warnings from training since the last call: latents that hold KL without information. */
  takeWarnings(): string[] {
    return this.current ? this.current.warnings.splice(0) : [];
  }

  /** The decoder's image for latent vector `z` ([height, width, channels], values in [0, 1]). */
  async decode(z: ArrayLike<number>): Promise<Float32Array> {
    const { single } = this.need();
    if (z.length !== single.config.latents) throw new RangeError(`z has ${z.length} values, the model has ${single.config.latents} latents`);
    single.backend.write(single.z, z);
    single.decode();
    return toImage(single, await single.backend.read(single.output));
  }

  /** KL per latent, a seed image's posterior mean, its traversal grid and a reconstruction grid, all from `seed`. */
  async view(seed: number): Promise<View> {
    const m = this.need();
    const kl = await klPerLatent(m.batch, m.dataset, seed);
    const order = klOrder(kl);
    const seedImage = new Float32Array(m.dataset.imageSize);
    m.dataset.sampleBatch(new Rng(seed + 1), 1, seedImage);
    const mean = await posteriorMean(m.single, seedImage);
    const traversal = await traversalFigure(m.traversal, mean, kl, RANGE);
    const reconstructions = await reconstructionFigure(m.batch, m.dataset, seed + 2);
    return { kl, order, mean: Array.from(mean), seedImage, traversal, reconstructions };
  }

  /** The model as a checkpoint `bvae` reads (weights, Adam moments, config, step). */
  async save(): Promise<Uint8Array> {
    const m = this.need();
    return encodeCheckpoint(m.trainer, { dataset: m.dataset.name, ...(m.history.length ? { history: thinHistory(m.history) } : {}) });
  }

  dispose(): void {
    this.current?.backend.dispose();
    this.current = null;
  }

  private need(): ModelSet {
    if (!this.current) throw new Error("no model yet: load a checkpoint or reset");
    return this.current;
  }

  private async swapIn(build: (backend: Backend) => Promise<Pick<ModelSet, "trainer" | "dataset" | "origin" | "history">>): Promise<void> {
    const backend = await this.makeBackend();
    let next: ModelSet;
    try {
      const { trainer, dataset, origin, history } = await build(backend);
      next = {
        backend, trainer, dataset, origin, history, watch: new UninformativeKlWatch(trainer.config.model.latents), warnings: [],
        single: BetaVAE.build(backend, trainer.config.model, 1, trainer.model),
        ...figureModels(backend, trainer.model, TRAVERSAL_STEPS),
      };
    } catch (e) {
      backend.dispose();
      throw e;
    }
    this.current?.backend.dispose();
    this.current = next;
  }
}

/** The dataset a checkpoint was trained on: its recorded name, else the one its channel count implies. */
function datasetFor(checkpoint: Checkpoint, origin: string): Dataset {
  const named = checkpoint.app.dataset;
  if (named !== undefined) {
    if (!(DATASET_NAMES as readonly unknown[]).includes(named)) {
      throw new LoadError(`${origin} was trained on '${String(named)}', which the page does not have (it has ${DATASET_NAMES.join(", ")})`);
    }
    return createDataset(named as DatasetName);
  }
  return createDataset(checkpoint.config.model.channels === 3 ? "color-dsprites" : "dsprites");
}

function toImage(model: BetaVAE, output: Float32Array): Float32Array {
  if (model.config.likelihood === "bernoulli") return output.map((v) => 1 / (1 + Math.exp(-v)));
  return output.map((v) => Math.min(1, Math.max(0, v)));
}
