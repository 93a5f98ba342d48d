// bvae train: trains a β-VAE (or the capacity objective) on a dataset, writing config.json,
// metrics.jsonl, an atomic checkpoint every N steps and at the end (Ctrl-C included), and
// the reconstruction and traversal figures when it finishes.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  BURGESS_CONFIG, type Checkpoint, DEFAULT_OPTIMISER, type Objective, type RunEnd, type TrainingConfig, NonFiniteError, Trainer, TrainingSession,
  decodeCheckpoint, describeObjective, describeUninformative,
} from "@betavae/core";
import { DATASET_NAMES, type DatasetRef, DatasetSampler, checkpointDataset } from "@betavae/datasets";
import { openDataset } from "@betavae/datasets/node";
import { type FlagSpecs, type ParsedFlags, UsageError, helpText, parseFlags } from "../args";
import { BACKEND_FLAGS, describeBackend, openBackend, threadsOf } from "../backend";
import { FileError, ensureWritableDir, readFileOrFail, writeFileAtomic } from "../files";
import { appendMetricsRecord, keepMetricsUpTo } from "../metrics-log";
import { writeModelFigures } from "../model-figures";
import { Progress, formatDuration } from "../progress";

export const TRAIN_FLAGS: FlagSpecs = {
  preset: { type: "choice", choices: ["quick", "burgess-dsprites"], help: "start from a preset; other flags override it" },
  dataset: { type: "choice", choices: DATASET_NAMES, help: "training data", default: "dsprites" },
  "data-file": { type: "string", placeholder: "FILE", help: "train on the original dsprites_ndarray_*.npz instead of the generator" },
  objective: { type: "choice", choices: ["beta", "capacity"], help: "β-VAE, or controlled capacity increase", default: "beta" },
  beta: { type: "number", min: 0, help: "β of the β-VAE objective", default: 4 },
  gamma: { type: "number", min: 0, help: "γ of the capacity objective", default: 1000 },
  "capacity-max": { type: "number", min: 0, help: "final capacity C_max in nats; with --resume, a new one", default: 25 },
  "capacity-steps": { type: "int", min: 1, help: "steps over which C rises linearly from 0 (with --resume, from the current C)", default: 100000 },
  steps: { type: "int", min: 1, help: "total training steps", default: 10000 },
  batch: { type: "int", min: 1, max: 4096, help: "images per step", default: 64 },
  lr: { type: "number", min: 0, exclusiveMin: true, max: 1, help: "Adam learning rate", default: 5e-4 },
  latents: { type: "int", min: 1, max: 512, help: "number of latents", default: 10 },
  likelihood: { type: "choice", choices: ["bernoulli", "gaussian"], help: "decoder likelihood", default: "bernoulli" },
  seed: { type: "int", min: 0, help: "seed of everything random", default: 1 },
  ...BACKEND_FLAGS,
  "checkpoint-every": { type: "int", min: 1, help: "steps between checkpoints", default: 1000 },
  "log-every": { type: "int", min: 1, help: "steps between lines of metrics.jsonl", default: 10 },
  out: { type: "string", placeholder: "DIR", help: "run directory (default runs/<preset or dataset-objective>)" },
  resume: { type: "bool", help: "continue the run in --out from its checkpoint" },
};

const PRESETS: Record<string, ParsedFlags> = {
  // The paper's dSprites run (Burgess et al. 2018): γ = 1000, C 0 → 25 nats over 100,000 steps, Adam 5e-4, batch 64.
  "burgess-dsprites": { dataset: "dsprites", objective: "capacity", gamma: 1000, "capacity-max": 25, "capacity-steps": 100000, lr: 5e-4, batch: 64, steps: 100000, latents: 10 },
  // A few minutes on two cores: β-VAE (β = 4) on dSprites, long enough for recognisable
  // reconstructions and a few active latents.
  quick: { dataset: "dsprites", objective: "beta", beta: 4, lr: 1e-3, batch: 64, steps: 1500, latents: 10, "checkpoint-every": 500 },
};

/** Flags that define the run; a resumed run keeps the checkpoint's. */
const RUN_DEFINING = ["preset", "dataset", "data-file", "objective", "beta", "gamma", "batch", "lr", "latents", "likelihood", "seed"];
/** Flags a resumed capacity run may change: they start a new ramp from the current C. */
const RAMP_FLAGS = ["capacity-max", "capacity-steps"];

const CHECKPOINT = "checkpoint.safetensors";

export interface TrainIO {
  out: (line: string) => void;
  err: NodeJS.WriteStream;
}

export async function train(argv: string[], io: TrainIO): Promise<number> {
  const { flags: parsed, help, given } = parseFlags(argv, TRAIN_FLAGS, "train");
  if (help) {
    io.out(helpText("usage: bvae train [--preset quick|burgess-dsprites] [options]", "Train a β-VAE on a procedural dataset (CPU, WASM SIMD).", TRAIN_FLAGS));
    return 0;
  }
  const preset = parsed.preset ? PRESETS[parsed.preset as string] : {};
  const flags: ParsedFlags = { ...parsed };
  for (const [k, v] of Object.entries(preset)) if (!given.has(k)) flags[k] = v;
  const out = resolve((flags.out as string | undefined) ?? join("runs", (parsed.preset as string | undefined) ?? `${flags.dataset}-${flags.objective}`));
  const checkpointPath = join(out, CHECKPOINT);
  const resume = flags.resume === true;
  if (resume) {
    const conflicting = RUN_DEFINING.filter((k) => given.has(k));
    if (conflicting.length) throw new UsageError(`--${conflicting[0]} cannot be changed when resuming: the run continues with its checkpoint's settings`);
    if (!existsSync(checkpointPath)) throw new FileError(`nothing to resume: ${checkpointPath} does not exist`);
  } else if (existsSync(checkpointPath)) {
    throw new FileError(`${out} already holds a run (${CHECKPOINT}); use --resume to continue it or choose another --out`);
  }
  ensureWritableDir(out);

  let config: TrainingConfig;
  let data: DatasetRef;
  let checkpoint: Checkpoint | null = null;
  let ramp: Objective | null = null;
  if (resume) {
    checkpoint = decodeCheckpoint(readFileOrFail(checkpointPath, "checkpoint"));
    config = checkpoint.config;
    if (RAMP_FLAGS.some((k) => given.has(k))) ramp = newRamp(config.objective, flags, given);
    data = checkpointDataset(checkpoint);
  } else {
    data = { name: flags.dataset as DatasetRef["name"], ...(flags["data-file"] ? { dataFile: flags["data-file"] as string } : {}) };
    if (data.dataFile && data.name !== "dsprites") throw new UsageError("--data-file is the original dSprites .npz: use it with --dataset dsprites");
    config = {
      model: { ...BURGESS_CONFIG, latents: flags.latents as number, likelihood: flags.likelihood as "bernoulli" | "gaussian" },
      objective: objectiveFrom(flags),
      optimiser: { ...DEFAULT_OPTIMISER, lr: flags.lr as number },
      batch: flags.batch as number,
      seed: flags.seed as number,
    };
  }
  const dataset = openDataset(data);
  config = { ...config, model: { ...config.model, height: dataset.height, width: dataset.width, channels: dataset.channels } };

  const steps = flags.steps as number;
  const backend = await openBackend(flags, (line) => io.err.write(`${line}\n`));
  try {
    const trainer = new Trainer(backend, config, new DatasetSampler(dataset, config.seed + 1));
    const metricsPath = join(out, "metrics.jsonl");
    const app = { dataset: data.name, ...(data.dataFile ? { dataFile: data.dataFile } : {}) };
    const progress = new Progress(io.err);
    const session = new TrainingSession(trainer, {
      logEvery: flags["log-every"] as number,
      backend: { name: backend.name, threads: threadsOf(backend) },
      checkpoints: { every: flags["checkpoint-every"] as number, app: () => app, write: (bytes) => writeFileAtomic(checkpointPath, bytes) },
      onWarning: (u) => progress.note(`warning: ${describeUninformative(u)}`),
      onRecord: (record) => appendMetricsRecord(metricsPath, record),
      onStep: ({ metrics: m, imagesPerSec }) => progress.update({
        step: m.step, total: steps, imagesPerSec, stepsPerSec: imagesPerSec / config.batch, recon: m.recon, kl: m.kl, capacity: m.capacity,
      }),
      yieldBetweenSteps: () => new Promise((r) => setImmediate(r)), // lets a Ctrl-C in
    });
    if (checkpoint) session.resume(checkpoint);
    if (ramp) session.setObjective(ramp);
    if (trainer.step >= steps) {
      io.out(`${out} is already at step ${trainer.step} of ${steps}; give a larger --steps to train further`);
      return 0;
    }
    writeFileAtomic(join(out, "config.json"), JSON.stringify({ ...app, steps, training: trainer.config, backend: backend.name, threads: threadsOf(backend) }, null, 2) + "\n");
    keepMetricsUpTo(metricsPath, trainer.step);

    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130); // a second Ctrl-C: stop without waiting
      stop.abort();
    };
    process.on("SIGINT", onSigint);
    io.out(`training ${data.name}${data.dataFile ? ` (${data.dataFile})` : ""}, ${describeObjective(trainer.config.objective)}, `
      + `${trainer.model.parameterCount} parameters, batch ${config.batch}, on ${describeBackend(backend)}; run directory ${out}`);
    const started = performance.now();
    let end: RunEnd;
    try {
      end = await session.run(steps, stop.signal);
    } catch (e) {
      progress.done();
      if (e instanceof NonFiniteError) {
        throw new NonFiniteError(`${e.message}. The last checkpoint in ${out} is intact; try a lower --lr`);
      }
      throw e;
    } finally {
      process.off("SIGINT", onSigint);
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

function objectiveFrom(flags: ParsedFlags): Objective {
  return flags.objective === "capacity"
    ? { kind: "capacity", gamma: flags.gamma as number, capacityMax: flags["capacity-max"] as number, capacitySteps: flags["capacity-steps"] as number }
    : { kind: "beta", beta: flags.beta as number };
}

/**
 * The objective a resumed capacity run asks for: --capacity-max and --capacity-steps (each
 * defaulting to the run's); the session ramps C to it from where C stands.
 */
function newRamp(objective: Objective, flags: ParsedFlags, given: Set<string>): Objective {
  if (objective.kind !== "capacity") throw new UsageError(`--capacity-max and --capacity-steps apply to the capacity objective; this run trains β-VAE (β = ${objective.beta})`);
  const capacityMax = given.has("capacity-max") ? flags["capacity-max"] as number : objective.capacityMax;
  const capacitySteps = given.has("capacity-steps") ? flags["capacity-steps"] as number : objective.capacitySteps;
  return { ...objective, capacityMax, capacitySteps };
}
