// bvae eval: disentanglement scores (BetaVAE, FactorVAE, MIG, DCI, SAP, modularity) of a
// checkpoint's encoder means, of a reference encoder (the ground-truth factors, an untrained
// network), or of (code, factor) pairs from a file, written to DIR/eval.json and printed as a table.
import { basename, join, resolve } from "node:path";
import { type Backend, BetaVAE, decodeCheckpoint, loadWeights } from "@betavae/core";
import { DATASET_NAMES, type ImageSource, type DatasetName, checkpointDataset } from "@betavae/datasets";
import { openDataset } from "@betavae/datasets/node";
import {
  CODE_FACTOR_METRICS, DEFAULT_METRICS, type Encoder, type Evaluation, METRIC_NAMES, type MetricName, type MetricResult,
  evaluate, evaluateCodes, groundTruthEncoder, metricKind, modelEncoder, randomEncoder, readCodesNpz, samplesFrom,
} from "@betavae/eval";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { BACKEND_FLAGS, openBackend } from "../backend";
import { ensureWritableDir, readFileOrFail, writeFileAtomic } from "../files";
import { folderProgress, formatColumns, formatDuration } from "../progress";
import { EVAL_FILE } from "../run-dir";

/** 100× disentanglement_lib's 10,000: more runs for days and holds gigabytes of codes. */
const MAX_SAMPLES = 1_000_000;

export const EVAL_FLAGS: FlagSpecs = {
  checkpoint: { type: "string", placeholder: "FILE", help: "checkpoint.safetensors to evaluate (on the dataset it was trained on)" },
  encoder: { type: "choice", choices: ["ground-truth", "random"], help: "evaluate a reference encoder instead of a checkpoint" },
  dataset: { type: "choice", choices: DATASET_NAMES, help: "dataset of a reference encoder", default: "dsprites" },
  codes: { type: "string", placeholder: "FILE.npz", help: "score (code, factor) pairs from anywhere: codes (N × D floats), factors (N × K integers); the first 2N/3 rows fit, the rest test" },
  metrics: { type: "string", placeholder: "LIST", help: `comma-separated metrics of ${METRIC_NAMES.join(",")} (default ${DEFAULT_METRICS.join(",")}; with --codes ${CODE_FACTOR_METRICS.join(",")})` },
  samples: { type: "int", min: 2, max: MAX_SAMPLES, help: "training points, votes and MIG samples, N/2 evaluation points (default: 10000, disentanglement_lib's)" },
  seed: { type: "int", min: 0, help: "seed of the metrics' sampling", default: 0 },
  "init-seed": { type: "int", min: 0, help: "initialisation seed of --encoder random", default: 1 },
  ...BACKEND_FLAGS,
  out: { type: "string", placeholder: "DIR", help: "where to write eval.json" },
};

/** Images per encoder call. */
const ENCODE_BATCH = 64;

export async function evalCommand(argv: string[], io: { out: (line: string) => void; err: NodeJS.WriteStream }): Promise<number> {
  const { flags, help, given } = parseFlags(argv, EVAL_FLAGS, "eval");
  if (help) {
    io.out(helpText(
      "usage: bvae eval --checkpoint FILE --out DIR\n       bvae eval --encoder ground-truth|random [--dataset NAME] --out DIR\n       bvae eval --codes FILE.npz --out DIR",
      "Score disentanglement (BetaVAE, FactorVAE, MIG, DCI, SAP, modularity; disentanglement_lib's defaults) of a checkpoint's encoder means, of a reference encoder, or of codes from a file.",
      EVAL_FLAGS,
    ));
    return 0;
  }
  if (flags.codes) {
    for (const other of ["checkpoint", "encoder", "dataset", "samples", "seed"]) {
      if (given.has(other)) throw new UsageError(`--${other} does not go with --codes: the file holds the codes and their factors, split in order`);
    }
  }
  if (flags.checkpoint && flags.encoder) throw new UsageError("give either --checkpoint FILE or --encoder, not both");
  if (!flags.checkpoint && !flags.encoder && !flags.codes) throw new UsageError("--checkpoint FILE is required (or --encoder ground-truth|random for a reference score, or --codes FILE.npz)");
  if (flags.checkpoint && given.has("dataset")) throw new UsageError("--dataset goes with --encoder: a checkpoint is evaluated on the dataset it was trained on");
  if (!flags.out) throw new UsageError("--out DIR is required");
  const metrics = parseMetrics(flags.metrics as string | undefined, Boolean(flags.codes));
  if (flags.codes) return evalCodes(flags.codes as string, metrics, resolve(flags.out as string), io);

  let encoder: Encoder;
  let dataset: ImageSource;
  let backend: Backend | null = null;
  const source: Record<string, unknown> = {};
  if (flags.checkpoint) {
    const path = flags.checkpoint as string;
    const checkpoint = decodeCheckpoint(readFileOrFail(path, "checkpoint"));
    dataset = await openDataset(checkpointDataset(checkpoint), folderProgress(io.err));
    backend = await openBackend(flags, (line) => io.err.write(`${line}\n`));
    const model = BetaVAE.build(backend, checkpoint.config.model, ENCODE_BATCH);
    loadWeights(model, checkpoint, false);
    encoder = modelEncoder(model, `checkpoint ${path} (step ${checkpoint.state.step})`);
    Object.assign(source, { checkpoint: resolve(path), step: checkpoint.state.step, objective: checkpoint.config.objective });
  } else {
    dataset = await openDataset({ name: flags.dataset as DatasetName });
    if (flags.encoder === "ground-truth") encoder = groundTruthEncoder(dataset);
    else {
      backend = await openBackend(flags, (line) => io.err.write(`${line}\n`));
      encoder = randomEncoder(backend, dataset, flags["init-seed"] as number, ENCODE_BATCH);
    }
  }
  const out = resolve(flags.out as string);
  let result: Evaluation;
  try {
    ensureWritableDir(out);
    io.out(`evaluating ${encoder.description} on ${dataset.name}: ${metrics.join(", ")}`);
    const progress = progressLine(io.err);
    result = await evaluate(dataset, encoder, {
      metrics, seed: flags.seed as number, ...(flags.samples !== undefined ? { samples: samplesFrom(flags.samples as number) } : {}), progress,
    });
    progress.done();
  } finally {
    backend?.dispose(); // stops its threads
  }
  const path = join(out, EVAL_FILE);
  writeFileAtomic(path, JSON.stringify({ ...source, ...result }, null, 2) + "\n");
  for (const line of table(result)) io.out(line);
  io.out(`wrote ${path}`);
  return 0;
}

/** `bvae eval --codes FILE`: the code-factor metrics of the file's pairs. */
function evalCodes(path: string, metrics: MetricName[], out: string, io: { out: (line: string) => void }): number {
  const split = readCodesNpz(readFileOrFail(path, "codes file"), path);
  ensureWritableDir(out);
  io.out(`evaluating ${split.train.count + split.test.count} codes of ${split.latents} latents from ${path} (${split.factorNames.length} factors): ${metrics.join(", ")}`);
  const result = evaluateCodes(split, { dataset: basename(path), encoder: `codes ${path}` }, metrics);
  const file = join(out, EVAL_FILE);
  writeFileAtomic(file, JSON.stringify({ codes: resolve(path), ...result }, null, 2) + "\n");
  for (const line of table(result)) io.out(line);
  io.out(`wrote ${file}`);
  return 0;
}

/** The --metrics list: known names, none twice (the default ones when not given; with --codes, those that need only codes). */
export function parseMetrics(raw: string | undefined, codes = false): MetricName[] {
  const allowed = codes ? CODE_FACTOR_METRICS : METRIC_NAMES;
  if (raw === undefined) return [...(codes ? CODE_FACTOR_METRICS : DEFAULT_METRICS)];
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--metrics needs at least one of ${allowed.join(", ")}`);
  for (const name of names) {
    if (!METRIC_NAMES.includes(name)) throw new UsageError(`--metrics: unknown metric '${name}' (choose from ${allowed.join(", ")})`);
    if (!allowed.includes(name)) throw new UsageError(`--metrics: ${name} draws its own images from a dataset, it cannot score --codes (choose from ${allowed.join(", ")})`);
  }
  if (new Set(names).size !== names.length) throw new UsageError("--metrics lists a metric twice");
  return names;
}

/** The printed summary: one row per metric, then what the run cost. */
export function table(e: Evaluation): string[] {
  const train = (r: MetricResult) => {
    const accuracy = (r as MetricResult & { trainAccuracy?: unknown }).trainAccuracy;
    return typeof accuracy === "number" ? accuracy.toFixed(4) : "";
  };
  const rows = e.results.map((r) => [r.metric, r.score.toFixed(4), train(r), metricKind(r.metric).detail(r)]);
  const cost = e.imagesEncoded > 0 || e.codesRequested > 0
    ? `seed ${e.seed}; ${e.imagesEncoded} distinct images encoded for ${e.codesRequested} codes in ${formatDuration(e.seconds)}`
    : `scored in ${formatDuration(e.seconds)}`;
  return [...formatColumns(["metric", "score", "train", "detail"], rows), cost];
}

/** Progress on stderr: one redrawn line on a terminal, a line every 10 s elsewhere. */
function progressLine(stream: NodeJS.WriteStream): ((metric: MetricName, done: number, total: number, encoded: number) => void) & { done: () => void } {
  let last = 0;
  const started = performance.now();
  const update = (metric: MetricName, done: number, total: number, encoded: number) => {
    const line = `${metric} ${done}/${total} | ${encoded} images encoded | ${formatDuration((performance.now() - started) / 1000)}`;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
    else if (Date.now() - last >= 10000) {
      stream.write(`${line}\n`);
      last = Date.now();
    }
  };
  return Object.assign(update, { done: () => void (stream.isTTY && stream.write("\n")) });
}
