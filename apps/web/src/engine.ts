// The demo's model engine: one trained model (or the shipped one), its backend, and the
// views that share its parameters (batch 1 for the sliders, and eval's figure models: a
// traversal row's batch, and batch 64 for KL and reconstructions). It runs
// inside the page's worker, but nothing here knows about messages, so Node tests drive it.
//
// Each model owns its backend: a reset or a load builds the new one beside the old and only
// then swaps, so a checkpoint that fails to load leaves the current model untouched (and the
// old backend's memory is released with it, since backends cannot free single buffers).
import {
  type Backend, BURGESS_CONFIG, BetaVAE, type Checkpoint, DEFAULT_OPTIMISER, type HistoryPoint, type Objective, type StepMetrics, Trainer,
  type TrainingConfig, TrainingSession, WasmBackend, appendHistory, decodeCheckpoint, describeUninformative, encodeCheckpoint, historyOf, thinHistory,
  validateObjective, validateOptimiser,
} from "@betavae/core";
import {
  DROPPED_IMAGES, type DatasetName, type DroppedImages, type ImageSource, ImageSampler, ImageSet, checkpointDataset, createDataset, droppedImagesOf,
} from "@betavae/datasets";
import { bestVariant } from "@betavae/kernels";
import { type ModelFigures, TRAVERSAL_RANGE, displayImages, drawModelFigures, figureModels } from "@betavae/eval";

/** Sliders sweep each latent over [−RANGE, RANGE], as the traversal does. */
export const RANGE = TRAVERSAL_RANGE;

export type BackendChoice = "auto" | "wasm" | "webgpu";

export interface BackendInfo {
  kind: "wasm" | "webgpu";
  /** e.g. "WASM relaxed-SIMD, 4 threads" or "WebGPU: nvidia ampere" */
  label: string;
  /** why a WebGPU request ended on WASM, if it did */
  fallback?: string;
}

/** A generator by name, or the images dropped on the page. */
export type DatasetChoice = DatasetName | typeof DROPPED_IMAGES;

/** Images dropped on the page, decoded: what a model trains on when the dataset is DROPPED_IMAGES. */
export interface PageImages {
  set: ImageSet;
  record: DroppedImages;
}

/** What a user sets before training; dataset, latents, batch and seed define a model, the rest may change as it trains. */
export interface TrainSettings {
  dataset: DatasetChoice;
  latents: number;
  batch: number;
  seed: number;
  objective: Objective;
  lr: number;
}

export interface ModelInfo {
  dataset: DatasetChoice;
  /** the dropped images it trains on, when it does */
  images?: DroppedImages;
  config: TrainingConfig;
  step: number;
  parameterCount: number;
  /** where the model came from: "shipped model", a file name, or "new model" */
  origin: string;
}

/** A loaded model and the curves of its training, when the checkpoint carries them (bvae export). */
export type LoadedModel = ModelInfo & { history: HistoryPoint[] };

/** What the page shows of a model: its figures from a seed; the seed image's mean is where the sliders start. */
export type View = ModelFigures;

export class LoadError extends Error {
  override name = "LoadError";
}

interface ModelSet {
  backend: Backend;
  /** trains the model; its latent watch reads at the CLI's cadence */
  session: TrainingSession;
  dataset: ImageSource;
  /** what the checkpoint records of dropped images, when the dataset is them */
  images?: DroppedImages;
  single: BetaVAE;
  traversal: BetaVAE;
  batch: BetaVAE;
  origin: string;
  /** the logged steps it trained along: a loaded checkpoint's, then this page's, thinned as it grows */
  history: HistoryPoint[];
  /** what the latent watch found that the page has not taken yet */
  warnings: string[];
}

/** The page keeps at most this many logged steps in memory (appendHistory halves them past it). */
const HISTORY_KEPT = 4000;

type BackendFactory = () => Promise<Backend>;

export class Engine {
  private current: ModelSet | null = null;
  /** the images dropped last; a model already training on earlier ones keeps those */
  private pageImages: PageImages | null = null;

  private constructor(private readonly makeBackend: BackendFactory, readonly backendInfo: BackendInfo) {}

  /**
   * An engine on the chosen backend; `auto` takes WebGPU only on a hardware adapter (software
   * ones are slower than WASM). `images`: dropped images it starts with (another engine's).
   */
  static async create(choice: BackendChoice, threads: number, images: PageImages | null = null): Promise<Engine> {
    const engine = await Engine.onBackend(choice, threads);
    engine.pageImages = images;
    return engine;
  }

  private static async onBackend(choice: BackendChoice, threads: number): Promise<Engine> {
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
    const trainer = m.session.trainer;
    return {
      dataset: m.dataset.name as DatasetChoice, ...(m.images ? { images: m.images } : {}), config: structuredClone(trainer.config), step: trainer.step,
      parameterCount: trainer.model.parameterCount, origin: m.origin,
    };
  }

  /** The images dropped last, if any. */
  get images(): PageImages | null {
    return this.pageImages;
  }

  /**
   * Takes decoded images (`IMAGE_SIDE`² · channels bytes each, HWC) as the page's dataset. The
   * current model keeps the images it trains on; the next new model takes these.
   */
  setImages(pixels: Uint8Array, side: number, channels: 1 | 3, record: Omit<DroppedImages, "count">): PageImages {
    const set = new ImageSet(DROPPED_IMAGES, side, side, channels, pixels);
    this.pageImages = { set, record: { ...record, count: set.count } };
    return this.pageImages;
  }

  /** A fresh, randomly initialised model. */
  async reset(settings: TrainSettings): Promise<ModelInfo> {
    validateObjective(settings.objective);
    const optimiser = validateOptimiser({ ...DEFAULT_OPTIMISER, lr: settings.lr });
    const { dataset, images } = this.source(settings.dataset);
    const config: TrainingConfig = {
      model: { ...BURGESS_CONFIG, height: dataset.height, width: dataset.width, channels: dataset.channels, latents: settings.latents },
      objective: settings.objective,
      optimiser,
      batch: settings.batch,
      seed: settings.seed,
    };
    await this.swapIn(config, dataset, images, "new model", []);
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
    const { dataset, images } = this.datasetFor(checkpoint, origin);
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
    await this.swapIn(checkpoint.config, dataset, images, origin, history, (session) => {
      try {
        session.resume(checkpoint, { weightsOnly: true }); // training on from an export starts Adam afresh
      } catch (e) {
        throw new LoadError(`${origin} does not load: ${(e as Error).message}`);
      }
    });
    return { ...this.model!, history };
  }

  /** Changes what may change while a model trains (objective and learning rate); false if the settings need a new model. */
  adjust(settings: TrainSettings): boolean {
    const m = this.current;
    if (!m) return false;
    const c = m.session.trainer.config;
    const newImages = settings.dataset === DROPPED_IMAGES && m.dataset !== this.pageImages?.set;
    if (settings.dataset !== m.dataset.name || newImages || settings.latents !== c.model.latents || settings.batch !== c.batch || settings.seed !== c.seed) return false;
    validateOptimiser({ ...c.optimiser, lr: settings.lr }); // both are checked before either applies
    m.session.setObjective(settings.objective); // C never jumps
    m.session.setLearningRate(settings.lr);
    return true;
  }

  async trainStep(): Promise<StepMetrics> {
    const m = this.need();
    const { metrics, record, warnings } = await m.session.trainStep();
    if (record) m.history = appendHistory(m.history, { step: record.step, recon: record.recon, kl: record.kl, C: record.C, klPerLatent: record.klPerLatent }, HISTORY_KEPT);
    m.warnings.push(...warnings.map(describeUninformative));
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
    return displayImages(single, await single.backend.read(single.output));
  }

  /** The model's figures from `seed`: the same as `bvae traverse --seed` draws from its checkpoint. */
  async view(seed: number): Promise<View> {
    const m = this.need();
    return drawModelFigures(m, m.dataset, seed);
  }

  /** The model as a checkpoint `bvae` reads (weights, Adam moments, config, step, and the curves so far). */
  async save(): Promise<Uint8Array> {
    const m = this.need();
    return encodeCheckpoint(m.session.trainer, { dataset: m.dataset.name, ...(m.images ? { images: m.images } : {}), ...(m.history.length ? { history: thinHistory(m.history) } : {}) });
  }

  dispose(): void {
    this.current?.backend.dispose();
    this.current = null;
  }

  private need(): ModelSet {
    if (!this.current) throw new Error("no model yet: load a checkpoint or reset");
    return this.current;
  }

  /** Builds a model set on a new backend beside the current one, and swaps it in only when all went well. */
  /** The generator `choice` names, or the dropped images. */
  private source(choice: DatasetChoice): { dataset: ImageSource; images?: DroppedImages } {
    if (choice !== DROPPED_IMAGES) return { dataset: createDataset(choice) };
    if (!this.pageImages) throw new Error("no images yet: drop a folder or a .zip of images on the page first");
    return { dataset: this.pageImages.set, images: this.pageImages.record };
  }

  /**
   * The dataset a checkpoint was trained on: its generator (the page has the generators only,
   * so a `dataFile` run shows on its generator), or for one trained on dropped images, the
   * images dropped here now; one trained on a folder by the CLI is refused in one line.
   */
  private datasetFor(checkpoint: Checkpoint, origin: string): { dataset: ImageSource; images?: DroppedImages } {
    const dropped = droppedImagesOf(checkpoint.app);
    if (dropped) {
      if (!this.pageImages) {
        throw new LoadError(`${origin} was trained on ${dropped.count} images dropped on the page (${dropped.source}): drop images first to show it on them`);
      }
      return this.source(DROPPED_IMAGES);
    }
    let ref;
    try {
      ref = checkpointDataset(checkpoint);
    } catch (e) {
      throw new LoadError(`${origin} does not load: ${(e as Error).message}`);
    }
    if (ref.imageFolder) {
      throw new LoadError(`${origin} was trained by bvae on the images in ${ref.imageFolder.dir}, which the page cannot open: drop that folder here and train on it instead`);
    }
    return { dataset: createDataset(ref.name) };
  }

  private async swapIn(config: TrainingConfig, dataset: ImageSource, images: DroppedImages | undefined, origin: string, history: HistoryPoint[], restore?: (session: TrainingSession) => void): Promise<void> {
    const backend = await this.makeBackend();
    let next: ModelSet;
    try {
      const trainer = new Trainer(backend, config, new ImageSampler(dataset, config.seed + 1));
      const session = new TrainingSession(trainer);
      restore?.(session);
      next = {
        backend, session, dataset, ...(images ? { images } : {}), origin, history, warnings: [],
        single: BetaVAE.build(backend, trainer.config.model, 1, trainer.model),
        ...figureModels(backend, trainer.model),
      };
    } catch (e) {
      backend.dispose();
      throw e;
    }
    this.current?.backend.dispose();
    this.current = next;
  }
}
