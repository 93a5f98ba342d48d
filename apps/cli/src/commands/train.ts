// bvae train: trains a β-VAE (or the capacity objective) on a dataset, writing config.json,
// metrics.jsonl, an atomic checkpoint every N steps and at the end (Ctrl-C, SIGTERM and SIGHUP
// included), and the reconstruction and traversal figures when it finishes. The loop itself is
// core's TrainingSession; this file turns flags into a run and owns the run directory.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  ARCHITECTURE_NAMES, type ArchitectureName, BURGESS_CONFIG, type Checkpoint, DEFAULT_OPTIMISER, MAX_BATCH, type Objective, type RunEnd, type TrainingConfig, NonFiniteError, Trainer, TrainingSession,
  decodeCheckpoint, describeObjective, describeUninformative, isChoiceSetting, objectiveFromSettings, objectiveKind, objectiveSettingValues,
  validateModelConfig, validateObjective, validateOptimiser,
} from "@betavae/core";
import { DATASET_NAMES, type DatasetRef, type ImageSource, ImageSampler, cropSide, datasetApp, imageCount } from "@betavae/datasets";
import { FOLDER_IMAGE_SIDE, imageCacheName, listImageFolder, openDataset } from "@betavae/datasets/node";
import { type FlagSpecs, type ParsedFlags, UsageError, helpText, parseFlags } from "../args";
import { BACKEND_FLAGS, describeBackend, openBackend, threadsOf } from "../backend";
import { FileError, readFileOrFail, writeFileAtomic } from "../files";
import { MetricsWriteError, appendMetricsRecord, keepMetricsUpTo } from "../metrics-log";
import { writeModelFigures } from "../model-figures";
import { Progress, folderProgress, formatDuration } from "../progress";
import { CHECKPOINT_FILE, CONFIG_FILE, METRICS_FILE, type RunSettings, lockRunDir, readRunSettings, runFilesIn } from "../run-dir";
import { stopOnSignals } from "../stop-signals";
import { FOLDER_PRESETS, PRESETS, presetFlags } from "../presets";
import { askedSettings, objectiveFlagSpecs, refuseInapplicable, resumedObjective, resumedSettings, settingsOf, withObjectiveDefaults } from "../train-settings";

export const TRAIN_FLAGS: FlagSpecs = {
  preset: { type: "choice", choices: Object.keys(PRESETS), help: "start from a preset (see README); other flags override it" },
  dataset: { type: "choice", choices: DATASET_NAMES, help: "training data", default: "dsprites" },
  "data-file": { type: "string", placeholder: "FILE", help: "train on a dataset file instead of the generator, streamed from disk: the original dsprites_ndarray_*.npz, Shapes3D's 3dshapes.h5, MPI3D's mpi3d_*.npz, or a uint8 .npy image array (N, H, W[, C])" },
  "data-dir": { type: "string", placeholder: "DIR", help: `train on every JPEG, PNG and WebP under DIR (recursively, in sorted path order), cut to a centred square and resized to ${FOLDER_IMAGE_SIDE}×${FOLDER_IMAGE_SIDE} once into a uint8 .npy cache` },
  channels: { type: "int", min: 1, max: 3, help: "with --data-dir: 3 for RGB (the default), 1 for grey (luma)" },
  crop: { type: "string", placeholder: "square|celeba|N", help: "with --data-dir: the centred square cut from each image: the largest (square, the default), CelebA's 148 pixels (celeba), or N pixels" },
  cache: { type: "string", placeholder: "FILE", help: `with --data-dir: the decoded images' .npy cache, reused while the folder and settings are unchanged (default <run>/${imageCacheName(3).replace("3.npy", "C.npy")})` },
  ...objectiveFlagSpecs(),
  steps: { type: "int", min: 1, help: "total training steps", default: 10000 },
  batch: { type: "int", min: 1, max: MAX_BATCH, help: "images per step", default: 64 },
  lr: { type: "number", min: 0, exclusiveMin: true, max: 1, help: "Adam learning rate", default: 5e-4 },
  // no default in the spec: a run that does not ask keeps the settings (and a study run the id) it had before the choice existed
  arch: { type: "choice", choices: ARCHITECTURE_NAMES, help: "the network: Burgess et al. 2018's (default), or disentanglement_lib's (convs 32, 32, 64, 64, dense 256)" },
  latents: { type: "int", min: 1, max: 512, help: "number of latents", default: 10 },
  likelihood: { type: "choice", choices: ["bernoulli", "gaussian"], help: "decoder likelihood", default: "bernoulli" },
  seed: { type: "int", min: 0, help: "seed of everything random", default: 1 },
  ...BACKEND_FLAGS,
  "checkpoint-every": { type: "int", min: 1, help: "steps between checkpoints", default: 1000 },
  "log-every": { type: "int", min: 1, help: "steps between lines of metrics.jsonl", default: 10 },
  out: { type: "string", placeholder: "DIR", help: "run directory (default runs/<preset or dataset-objective>)" },
  resume: { type: "bool", help: "continue the run in --out from its checkpoint" },
};

export interface TrainIO {
  out: (line: string) => void;
  err: NodeJS.WriteStream;
}

export async function train(argv: string[], io: TrainIO): Promise<number> {
  const { flags: parsed, help, given } = parseFlags(argv, TRAIN_FLAGS, "train");
  if (help) {
    io.out(helpText("usage: bvae train [--preset NAME] [options]", "Train a β-VAE on a procedural dataset, a data file or a folder of images (CPU, WASM SIMD).", TRAIN_FLAGS));
    return 0;
  }
  const preset = parsed.preset ? presetFlags(parsed.preset as string, (TRAIN_FLAGS.objective as { choices: readonly string[] }).choices) : {};
  let flags: ParsedFlags = { ...parsed };
  for (const [k, v] of Object.entries(preset)) if (!given.has(k)) flags[k] = v;
  const data = flags["data-dir"] ? "images" : flags.dataset;
  const out = resolve((flags.out as string | undefined) ?? join("runs", (parsed.preset as string | undefined) ?? `${data}-${flags.objective}`));
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const configPath = join(out, CONFIG_FILE);
  const resume = flags.resume === true;
  const note = (line: string) => io.err.write(`${line}\n`);

  // Everything the command line alone decides is checked before anything is created.
  let fresh: { config: TrainingConfig; dataset: ImageSource | null } | null = null;
  const hooks = folderProgress(io.err);
  folderFlags(flags, given, parsed.preset as string | undefined, out);
  if (resume) {
    if (!existsSync(checkpointPath)) throw new FileError(`nothing to resume: ${checkpointPath} does not exist`);
  } else {
    refuseInapplicable(objectiveFromSettings(flags.objective as string, withObjectiveDefaults(flags)), given);
    if (flags["data-file"] && flags.dataset !== "dsprites") throw new UsageError("--data-file takes the place of the generator: give it without --dataset");
    // A folder is decoded once the run directory is ours (its cache lives there); here it is only listed.
    const folder = flags["data-dir"] ? await listImageFolder(flags["data-dir"] as string) : null;
    const dataset = folder ? null : await openDataset(datasetRef(flags));
    const shape = dataset ?? { height: FOLDER_IMAGE_SIDE, width: FOLDER_IMAGE_SIDE, channels: flags.channels as number };
    flags = withObjectiveDefaults(flags, folder ? folder.files.length : imageCount(dataset!));
    const objective = objectiveFromSettings(flags.objective as string, flags);
    const config: TrainingConfig = {
      model: validateModelConfig({
        ...BURGESS_CONFIG, ...(flags.arch ? { architecture: flags.arch as ArchitectureName } : {}), height: shape.height, width: shape.width, channels: shape.channels,
        latents: flags.latents as number, likelihood: flags.likelihood as "bernoulli" | "gaussian",
      }),
      objective: validateObjective(objective),
      optimiser: validateOptimiser({ ...DEFAULT_OPTIMISER, lr: flags.lr as number }),
      batch: flags.batch as number,
      seed: flags.seed as number,
    };
    fresh = { config, dataset };
  }

  // One process owns the run directory from here on (run-dir.ts).
  const lock = lockRunDir(out, note);
  try {
    if (fresh) {
      const found = runFilesIn(out);
      if (found.includes(CHECKPOINT_FILE)) throw new FileError(`${out} already holds a run (${CHECKPOINT_FILE}); use --resume to continue it or choose another --out`);
      if (found.length) throw new FileError(`${out} holds files of a run that saved no checkpoint (${found.join(", ")}); remove them or choose another --out`);
      const dataset = fresh.dataset ?? await openDataset(datasetRef(flags), hooks);
      return await trainInDir(out, fresh.config, dataset, null, settingsOf(flags, fresh.config.objective.kind), io);
    }
    const checkpoint = decodeCheckpoint(readFileOrFail(checkpointPath, "checkpoint"));
    const config = checkpoint.config;
    refuseInapplicable(config.objective, given);
    const settings = resumedSettings(flags, readRunSettings(configPath), checkpoint, askedSettings(flags, [...given, ...Object.keys(preset)]), configPath);
    const dataset = await openDataset(datasetRef(settings), hooks);
    config.model = { ...config.model, height: dataset.height, width: dataset.width, channels: dataset.channels };
    return await trainInDir(out, config, dataset, checkpoint, settings, io);
  } finally {
    lock.release();
  }
}

async function trainInDir(out: string, config: TrainingConfig, dataset: ImageSource, checkpoint: Checkpoint | null, settings: RunSettings, io: TrainIO): Promise<number> {
  const checkpointPath = join(out, CHECKPOINT_FILE);
  const metricsPath = join(out, METRICS_FILE);
  const steps = settings.steps as number;
  const backend = await openBackend(settings, (line) => io.err.write(`${line}\n`));
  try {
    const trainer = new Trainer(backend, config, new ImageSampler(dataset, config.seed + 1));
    const data = datasetRef(settings);
    const app = datasetApp(data);
    const progress = new Progress(io.err);
    // What a stop leaves behind: the step of the checkpoint on disk, said in every message.
    let savedStep = checkpoint?.state.step ?? null;
    const session = new TrainingSession(trainer, {
      logEvery: settings["log-every"] as number,
      backend: { name: backend.name, threads: threadsOf(backend) },
      checkpoints: {
        every: settings["checkpoint-every"] as number, app: () => app,
        write: (bytes, step) => {
          writeFileAtomic(checkpointPath, bytes);
          savedStep = step;
        },
      },
      onWarning: (u) => progress.note(`warning: ${describeUninformative(u)}`),
      onRecord: (record) => appendMetricsRecord(metricsPath, record),
      onStep: ({ metrics: m, imagesPerSec }) => progress.update({
        step: m.step, total: steps, imagesPerSec, stepsPerSec: imagesPerSec / config.batch, recon: m.recon, kl: m.kl, capacity: m.capacity,
      }),
      yieldBetweenSteps: () => new Promise((r) => setImmediate(r)), // lets a signal in
    });
    if (checkpoint) session.resume(checkpoint);
    // e.g. a capacity run's new C_max: C ramps on from where it stands (the session's setObjective)
    const asked = resumedObjective(trainer.config.objective, settings);
    if (asked) session.setObjective(asked);
    if (trainer.step >= steps) {
      io.out(`${out} is already at step ${trainer.step} of ${steps}; give a larger --steps to train further`);
      return 0;
    }
    writeFileAtomic(join(out, CONFIG_FILE), JSON.stringify({ ...app, steps, training: trainer.config, backend: backend.name, threads: threadsOf(backend), settings }, null, 2) + "\n");
    keepMetricsUpTo(metricsPath, trainer.step);

    const kept = () => (savedStep === null ? `no checkpoint was saved yet (the first is due at step ${Math.min(settings["checkpoint-every"] as number, steps)})` : `the checkpoint in ${out} (step ${savedStep}) is intact`);
    const stop = stopOnSignals(); // Ctrl-C, SIGTERM, SIGHUP: save and stop (stop-signals.ts)
    const what = data.imageFolder ? `the images in ${data.imageFolder.dir} (cached in ${data.dataFile})` : `${dataset.name}${data.dataFile ? ` (${data.dataFile})` : ""}`;
    io.out(`training ${what}, ${describeObjective(trainer.config.objective)}, `
      + `${trainer.model.parameterCount} parameters, batch ${config.batch}, on ${describeBackend(backend)}; run directory ${out}`);
    const started = performance.now();
    let end: RunEnd;
    try {
      end = await session.run(steps, stop.signal);
    } catch (e) {
      progress.done();
      if (e instanceof NonFiniteError) throw new NonFiniteError(`${e.message}. ${capitalised(kept())}; ${likelyCause(trainer.config)}`);
      if (e instanceof MetricsWriteError) {
        // the log cannot grow, yet the steps trained since the last checkpoint are kept if the checkpoint can be written
        const saved = await session.saveCheckpoint().then(() => `checkpoint saved at step ${trainer.step}`, (s: unknown) => `${(s as Error).message}; ${kept()}`);
        throw new FileError(`${e.message}; stopped at step ${trainer.step}, ${saved}; continue with --resume --out ${out} once it can be written`);
      }
      if (e instanceof FileError) throw new FileError(`${e.message}; ${kept()}`);
      throw e;
    } finally {
      stop.dispose();
    }
    progress.done();
    if (end === "aborted") {
      io.out(`interrupted at step ${trainer.step}: checkpoint saved to ${checkpointPath}; continue with --resume --out ${out}`);
      return 0;
    }
    io.out(`trained ${steps} steps in ${formatDuration((performance.now() - started) / 1000)}; checkpoint ${checkpointPath}`);
    const figures = await writeModelFigures(backend, trainer.model, dataset, config.seed, out);
    io.out(`figures: ${figures.join(", ")}`);
    return 0;
  } finally {
    backend.dispose(); // stops its threads
  }
}

/** The dataset that flags or a run's settings name: a generator, a data file in its place, or a folder of images with its cache. */
function datasetRef(settings: ParsedFlags): DatasetRef {
  const name = settings.dataset as DatasetRef["name"];
  const dataDir = settings["data-dir"] as string | undefined;
  if (dataDir) {
    return { name, dataFile: settings.cache as string, imageFolder: { dir: dataDir, crop: settings.crop as string, channels: settings.channels as 1 | 3 } };
  }
  const dataFile = settings["data-file"] as string | undefined;
  return { name, ...(dataFile ? { dataFile } : {}) };
}

/**
 * Checks the flags of a folder of images (one line for each contradiction) and completes
 * them in place: absolute paths, the default crop, channels and cache. A preset's channels
 * and crop apply only with a folder.
 */
function folderFlags(flags: ParsedFlags, given: Set<string>, preset: string | undefined, out: string): void {
  const dataDir = flags["data-dir"] as string | undefined;
  const resume = flags.resume === true;
  if (!dataDir) {
    if (preset && FOLDER_PRESETS[preset] && !resume) throw new UsageError(`--preset ${preset} trains on a folder of images: give --data-dir DIR, the folder of ${FOLDER_PRESETS[preset]}`);
    const stray = ["channels", "crop", "cache"].filter((k) => given.has(k));
    if (stray.length && !resume) throw new UsageError(`${stray.map((k) => `--${k}`).join(" and ")} ${stray.length > 1 ? "apply" : "applies"} to a folder of images: give --data-dir DIR`);
    return;
  }
  if (flags["data-file"]) throw new UsageError("--data-dir and --data-file each name the training data: give one of them");
  if (given.has("dataset")) throw new UsageError(`--data-dir takes the place of the generator: give it without --dataset`);
  const channels = (flags.channels as number | undefined) ?? 3;
  if (channels !== 1 && channels !== 3) throw new UsageError(`--channels must be 1 (grey) or 3 (RGB), got ${channels}`);
  const crop = (flags.crop as string | undefined) ?? "square";
  try {
    cropSide(crop);
  } catch (e) {
    throw new UsageError(`--crop: ${(e as Error).message}`);
  }
  flags["data-dir"] = resolve(dataDir);
  flags.channels = channels;
  flags.crop = crop;
  if (flags.cache !== undefined) flags.cache = resolve(flags.cache as string);
  else if (!resume) flags.cache = join(out, imageCacheName(channels));
}

const capitalised = (s: string) => s[0].toUpperCase() + s.slice(1);

/**
 * What most likely made the loss or a gradient overflow. Adam's steps do not grow with the
 * loss's scale, so the learning rate is the usual cause; a KL weight so large that its
 * gradient's square overflows float32 (about 1e38) is the other.
 */
function likelyCause(config: TrainingConfig): string {
  const values = objectiveSettingValues(config.objective);
  for (const s of objectiveKind(config.objective.kind).settings) {
    const weight = values[s.flag];
    if (isChoiceSetting(s) || !s.weighs || typeof weight !== "number" || weight < OVERFLOWING_WEIGHT) continue;
    return `${s.symbol ?? s.flag} = ${weight.toExponential()} makes ${s.weighs}'s gradient overflow: try a lower --${s.flag}`;
  }
  return `the learning rate is the likely cause: try a lower --lr (this run's is ${config.optimiser.lr})`;
}

/** A KL weight from which the squared gradient Adam keeps nears float32's range (blobs trains at β = 1e19, overflows at 1e20). */
const OVERFLOWING_WEIGHT = 1e18;
