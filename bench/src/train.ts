// Training throughput of the Burgess model (dSprites, batch 64): images/s of the training
// session's whole step (data, forward, backward, Adam, the read-backs, a logged record every
// 10 steps) on 1 thread and on N threads, the step's FLOP rate as a fraction of the WASM FMA peak measured in the same run, peak
// RSS, and the same step in TensorFlow.js (tfjs-backend-wasm, 1 thread) as a ratio. With
// --profile, a per-op table of one step; with --backend webgpu, the WebGPU backend instead.
// With --objectives (npm run bench:objectives), the same step for every training objective
// instead, on 1 thread and on N, each against β-VAE's in the same run. With --data-file, the
// step trained from a dataset file streamed from disk instead, and the time the step spends on
// its data (waiting for the prefetched batch, turning its bytes into floats) against the whole
// step. Prints tables, writes JSON.
//
//   npm run bench:train -- [--quick] [--steps N] [--threads N] [--backend wasm|webgpu]
//                          [--profile] [--no-tfjs] [--objectives] [--data-file FILE] [--out FILE]
import os from "node:os";
import {
  type Backend, type BatchSource, BURGESS_CONFIG, BetaVAE, ConvLayer, type CapacityObjective, type Objective, type OptimiserConfig, ReferenceBackend, Rng, Trainer,
  TrainingSession, WasmBackend, conv2dMacs, objectiveFromSettings, objectiveKinds,
} from "@betavae/core";
import { type ImageSource, ImageSampler, createDataset, imageCount } from "@betavae/datasets";
import { openDataFile } from "@betavae/datasets/node";
import { gflops, measure, median } from "./timing";
import { type Align, fmt, markdownTable, pct, ratio } from "./table";
import { benchCommandLine } from "./options";
import { defaultResultPath, machineInfo, userPath, writeJson } from "./report";
import { type Profile, StepProfiler } from "./profile";

const USAGE = "usage: npm run bench:train -- [--quick] [--steps N] [--threads N] [--backend wasm|webgpu] [--profile] [--no-tfjs] [--objectives] [--data-file FILE] [--out FILE]";
const BATCH = 64;
const SEED = 1;
const DATA_SEED = 2;
const OBJECTIVE: CapacityObjective = { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100000 };
const OPTIMISER: OptimiserConfig = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
/** ours / TensorFlow.js on the same step, 1 thread each: the target. */
const TARGET_RATIO = 5;

// ── options ─────────────────────────────────────────────────────────────────────
const { fail, parse: parseFlags, positiveInteger } = benchCommandLine("bench:train", USAGE);

function parse() {
  const values = parseFlags({
    options: {
      quick: { type: "boolean", default: false },
      steps: { type: "string" },
      threads: { type: "string" },
      backend: { type: "string", default: "wasm" },
      profile: { type: "boolean", default: false },
      "no-tfjs": { type: "boolean", default: false },
      objectives: { type: "boolean", default: false },
      "data-file": { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const backend = values.backend;
  if (backend !== "wasm" && backend !== "webgpu") fail(`--backend must be wasm or webgpu, got ${backend}`);
  if (backend === "webgpu" && values.profile) fail("--profile times synchronous ops and needs --backend wasm (a GPU queues its ops)");
  if (values.objectives && (backend !== "wasm" || values.profile)) fail("--objectives times the WASM step of each objective: give it without --backend webgpu and --profile");
  if (values["data-file"] && (backend !== "wasm" || values.profile)) fail("--data-file times the data's share of a step on --backend wasm, without --profile");
  if (values.objectives && values["data-file"]) fail("give --objectives or --data-file, not both");
  return {
    quick: values.quick,
    /** Timed steps per measurement (0: time-based). */
    steps: values.steps === undefined ? 0 : positiveInteger(values.steps, "--steps", 0),
    threads: positiveInteger(values.threads, "--threads", os.availableParallelism()),
    backend: backend as "wasm" | "webgpu",
    profile: values.profile,
    tfjs: backend === "wasm" && !values["no-tfjs"] && !values.objectives && !values["data-file"],
    objectives: values.objectives,
    dataFile: values["data-file"] ? userPath(values["data-file"]) : null,
    out: values.out ? userPath(values.out) : defaultResultPath(values.objectives ? "objectives.json" : values["data-file"] ? "train-data-file.json" : "train.json"),
  };
}

const options = parse();
const progress = (text: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};

// ── measurement ───────────────────────────────────────────────────────────────────
interface Throughput {
  /** What ran the step: our backend's name or "tfjs-wasm". */
  backend: string;
  threads: number | null;
  warmupSteps: number;
  steps: number;
  secondsTimed: number;
  stepSecondsMedian: number;
  stepSecondsBest: number;
  /** BATCH / median step time. */
  imagesPerSec: number;
  /** Images over all timed seconds (includes the slow steps the median leaves out). */
  imagesPerSecOverall: number;
  stepGflops: number;
  /** stepGflops / (the one-thread WASM FMA peak × threads); WASM only. */
  fractionOfPeak: number | null;
}

/** Warm-up steps, then steps until `--steps` or until enough seconds and steps are timed. */
async function timeSteps(
  label: string, step: () => Promise<unknown> | unknown, plan: { warmup: number; minSeconds: number; minSteps: number },
): Promise<{ seconds: number[]; total: number }> {
  const [timed] = await timeInterleaved([label], [step], plan);
  return timed;
}

/**
 * timeSteps for several steps at once, taken in turn (one of each per round), so a change in
 * the machine's load weighs on all of them alike and their ratios hold; `total` is each one's
 * summed step time.
 */
async function timeInterleaved(
  labels: string[], steps: (() => Promise<unknown> | unknown)[], plan: { warmup: number; minSeconds: number; minSteps: number },
): Promise<{ seconds: number[]; total: number }[]> {
  for (const [k, step] of steps.entries()) {
    for (let i = 0; i < plan.warmup; i++) {
      progress(`${labels[k]}: warm-up step ${i + 1}/${plan.warmup}`);
      await step(); // V8 tiers the kernels up; a GPU compiles its pipelines
    }
  }
  const seconds: number[][] = steps.map(() => []);
  const started = performance.now();
  const rounds = () => seconds[0].length;
  const more = (): boolean => (options.steps
    ? rounds() < options.steps
    : (performance.now() - started) / 1000 < plan.minSeconds * steps.length || rounds() < plan.minSteps);
  while (more()) {
    for (const [k, step] of steps.entries()) {
      progress(`${labels[k]}: step ${rounds() + 1}`);
      const t = performance.now();
      await step();
      seconds[k].push((performance.now() - t) / 1000);
    }
  }
  progress("");
  return seconds.map((s) => ({ seconds: s, total: s.reduce((a, b) => a + b, 0) }));
}

function throughput(
  backend: string, threads: number | null, warmup: number, timed: { seconds: number[]; total: number },
  flopsPerStep: number, peakGflops: number | null,
): Throughput {
  const stepMedian = median(timed.seconds);
  const stepGflops = gflops(flopsPerStep, stepMedian);
  return {
    backend, threads, warmupSteps: warmup, steps: timed.seconds.length, secondsTimed: timed.total,
    stepSecondsMedian: stepMedian, stepSecondsBest: Math.min(...timed.seconds),
    imagesPerSec: BATCH / stepMedian, imagesPerSecOverall: (BATCH * timed.seconds.length) / timed.total,
    stepGflops, fractionOfPeak: peakGflops ? stepGflops / peakGflops : null,
  };
}

/** Multiply-adds of one training step: forward, filter/weight gradients, and input gradients (not for the first layer). */
function stepMacs(model: BetaVAE): { forward: number; step: number } {
  let forward = 0, step = 0;
  const layers = [...model.encoder, model.muHead, model.logvarHead, ...model.decoder];
  for (const layer of layers) {
    const macs = layer instanceof ConvLayer
      ? conv2dMacs(layer.shape, layer.transposed)
      : layer.params[0].shape[0] * layer.params[0].shape[1] * model.batch;
    forward += macs;
    step += layer === model.encoder[0] ? 2 * macs : 3 * macs;
  }
  return { forward, step };
}

/** One dataset for every source, so its memo of sprite outlines is warm for all of them. */
const dsprites = createDataset("dsprites");
const newSource = (): ImageSampler => new ImageSampler(dsprites, DATA_SEED);

/** The step a run takes: the session's, which logs (and reads the latent watch) every DEFAULT_LOG_EVERY steps as bvae train does. */
function newSession(backend: Backend, source: BatchSource = newSource(), images: Pick<ImageSource, "height" | "width" | "channels"> = dsprites, objective: Objective = OBJECTIVE): TrainingSession {
  const model = { ...BURGESS_CONFIG, height: images.height, width: images.width, channels: images.channels };
  return new TrainingSession(new Trainer(backend, { model, objective, optimiser: OPTIMISER, batch: BATCH, seed: SEED }, source));
}

/** The WASM FMA peak (fma_peak: 96 FLOP per iteration), median GFLOP/s. */
function measurePeak(backend: WasmBackend): number {
  const iterations = 200_000;
  const t = measure(() => backend.kernels.fma_peak(iterations, 1), { minSeconds: options.quick ? 0.2 : 0.5 });
  return gflops(96 * iterations, t.median);
}

/**
 * A WASM backend on `threads` threads, or the reason there is none (no SharedArrayBuffer).
 */
async function threadedWasmBackend(threads: number): Promise<WasmBackend | string> {
  let backend: WasmBackend;
  try {
    backend = await WasmBackend.create({ threads });
  } catch (e) {
    return `no ${threads}-thread row: ${(e as Error).message}`;
  }
  return backend;
}

const rssMiB = (): number => process.resourceUsage().maxRSS / 1024;

// ── the WASM run ────────────────────────────────────────────────────────────────────
interface TfjsVariant {
  /** How its transposed convolutions run (see tfjs-train.ts). */
  transposedConv: import("./tfjs-train").TransposedConvRoute;
  check: import("./tfjs-train").TfjsCheck;
  /** Null when the check failed (the timing would mean nothing). */
  throughput: Throughput | null;
}

interface TfjsResult {
  info: import("./tfjs").TfjsInfo;
  filterGradient: string;
  /** tfjs's own kernels (plus the filter gradient it lacks), then the fastest tfjs step we found. */
  variants: TfjsVariant[];
}

async function runWasm() {
  const plan = { warmup: 3, minSeconds: options.quick ? 3 : 15, minSteps: options.quick ? 3 : 5 };
  const one = await WasmBackend.create();
  progress("measuring the FMA peak");
  const peakStart = measurePeak(one);
  const oneSession = newSession(one);
  const macs = stepMacs(oneSession.trainer.model);
  const flopsPerStep = 2 * macs.step;

  const timedOne = await timeSteps(`${one.name}, 1 thread`, () => oneSession.trainStep(), plan);
  const rows: Throughput[] = [];
  const pending = [{ threads: 1, timed: timedOne }];
  let threadsNote: string | null = null;
  if (options.threads > 1) {
    const many = await threadedWasmBackend(options.threads);
    if (typeof many === "string") threadsNote = many;
    else {
      const session = newSession(many);
      pending.push({ threads: options.threads, timed: await timeSteps(`${many.name}, ${options.threads} threads`, () => session.trainStep(), plan) });
      many.dispose();
    }
  }
  progress("measuring the FMA peak");
  const peakEnd = measurePeak(one);
  const peak = Math.max(peakStart, peakEnd);
  // N threads can reach N times the one-thread peak.
  for (const p of pending) rows.push(throughput(one.name, p.threads, plan.warmup, p.timed, flopsPerStep, peak * p.threads));

  let profile: Profile | null = null;
  if (options.profile) {
    const source = newSource();
    const session = newSession(one, source);
    const profiler = new StepProfiler(one, session.trainer.model, source);
    for (let i = 0; i < plan.warmup; i++) await session.trainStep();
    progress("profiling");
    profile = await profiler.run(options.steps || (options.quick ? 5 : 20), () => session.trainStep());
    progress("");
  }

  // the data generator's share of the step, timed alone
  const images = new Float32Array(BATCH * dsprites.imageSize);
  const rng = new Rng(DATA_SEED);
  const data = measure(() => dsprites.sampleBatch(rng, BATCH, images), { minSeconds: options.quick ? 0.1 : 0.3 });
  const oursRssMiB = rssMiB();

  let tfjs: TfjsResult | null = null;
  if (options.tfjs) tfjs = await runTfjs(plan, flopsPerStep, peak);

  const tfjsImagesPerSec = (route: string): number | null =>
    tfjs?.variants.find((v) => v.transposedConv === route)?.throughput?.imagesPerSec ?? null;
  const over = (ours: Throughput | undefined, route: string): number | null => {
    const theirs = tfjsImagesPerSec(route);
    return ours && theirs ? ours.imagesPerSec / theirs : null;
  };
  const threaded = rows.length > 1 ? rows[rows.length - 1] : undefined;
  return {
    backend: one.name,
    variant: one.variant,
    parameters: oneSession.trainer.model.parameterCount,
    mflopPerImage: flopsPerStep / BATCH / 1e6,
    mflopPerImageForward: (2 * macs.forward) / BATCH / 1e6,
    fmaPeakGflops: { start: peakStart, end: peakEnd, used: peak },
    rows,
    threadsNote,
    tfjs,
    /** Ours on 1 thread over tfjs on 1 thread with its own kernels: the ratio. */
    oursOverTfjs: over(rows[0], "tfjs"),
    /** …over the fastest tfjs step (transposed convolutions built from conv2d). */
    oursOverTfjsPhases: over(rows[0], "phases"),
    oursThreadsOverTfjs: over(threaded, "tfjs"),
    oursThreadsOverTfjsPhases: over(threaded, "phases"),
    targetRatio: TARGET_RATIO,
    dataSecondsPerBatch: data.median,
    dataShareOfStep: data.median / rows[0].stepSecondsMedian,
    peakRssMiB: oursRssMiB,
    peakRssMiBWithTfjs: tfjs ? rssMiB() : null,
    profile,
  };
}

/**
 * The same step in tfjs-wasm on one thread, from the same initial weights, batches and ε,
 * once with tfjs's own transposed-conv kernel and once with them built from conv2d; each
 * timed only after its gradients and Adam step match our reference backend on a small model.
 */
async function runTfjs(plan: { warmup: number; minSeconds: number; minSteps: number }, flopsPerStep: number, peak: number): Promise<TfjsResult> {
  progress("TensorFlow.js: loading");
  // tfjs is imported only now: Node 20 takes its relaxed-SIMD flag before any module compiles.
  const { loadTfjsWasm } = await import("./tfjs");
  const { TfjsTrainer, FILTER_GRADIENT_ROUTE, checkTfjsTrainer } = await import("./tfjs-train");
  const { tf, info } = await loadTfjsWasm();
  const variants: TfjsVariant[] = [];
  for (const transposedConv of ["tfjs", "phases"] as const) {
    progress(`TensorFlow.js (transposed convs: ${transposedConv}): checking gradients`);
    const check = checkTfjsTrainer(tf, OBJECTIVE, OPTIMISER, transposedConv);
    if (!check.passed) {
      variants.push({ transposedConv, check, throughput: null });
      continue;
    }
    // The initial weights our trainers start from (the same seeded initialisation), and ε from the same stream.
    const reference = new ReferenceBackend();
    const initial = BetaVAE.build(reference, BURGESS_CONFIG, BATCH);
    const rng = new Rng(SEED);
    initial.initialise(rng);
    const params = Float32Array.from(reference.view(initial.paramValues as Parameters<ReferenceBackend["view"]>[0]));
    const peer = new TfjsTrainer(tf, initial, params, OBJECTIVE, OPTIMISER, transposedConv);
    const source = newSource();
    const images = new Float32Array(initial.input.length);
    const eps = new Float32Array(initial.eps.length);
    const step = (): void => {
      source.next(images);
      rng.fillNormal(eps);
      peer.trainStep(images, eps);
    };
    const label = transposedConv === "tfjs" ? "tfjs-wasm" : "tfjs-wasm, deconv by phases";
    const warmup = Math.min(plan.warmup, 2);
    const timed = await timeSteps(`${label} ${info.backendWasm}, 1 thread`, step, { ...plan, warmup, minSteps: Math.min(plan.minSteps, 3) });
    peer.dispose();
    variants.push({ transposedConv, check, throughput: throughput(label, 1, warmup, timed, flopsPerStep, peak) });
  }
  return { info, filterGradient: FILTER_GRADIENT_ROUTE, variants };
}

// ── every objective ─────────────────────────────────────────────────────────────────
/** Every registered objective at bvae train's defaults on dSprites; β-VAE first, the baseline of the ratios (each step in turn: timeInterleaved). */
function benchObjectives(): Objective[] {
  const kinds = objectiveKinds().map((k) => k.kind).sort((a, b) => Number(b === "beta") - Number(a === "beta"));
  return kinds.map((kind) => objectiveFromSettings(kind, {}, imageCount(dsprites)));
}

interface ObjectiveRow extends Throughput {
  objective: Objective;
  /** images/s over β-VAE's on as many threads, in the same run */
  overBeta: number;
}

async function runObjectives() {
  const plan = { warmup: 3, minSeconds: options.quick ? 3 : 10, minSteps: options.quick ? 3 : 5 };
  const threadCounts = [...new Set([1, options.threads])];
  const rows: ObjectiveRow[] = [];
  let threadsNote: string | null = null;
  for (const threads of threadCounts) {
    const backend = threads === 1 ? await WasmBackend.create() : await threadedWasmBackend(threads);
    if (typeof backend === "string") {
      threadsNote = backend;
      continue;
    }
    const objectives = benchObjectives();
    const sessions = objectives.map((objective) => newSession(backend, newSource(), dsprites, objective));
    const suffix = `, ${threads} thread${threads > 1 ? "s" : ""}`;
    const timed = await timeInterleaved(objectives.map((o) => o.kind + suffix), sessions.map((s) => () => s.trainStep()), plan);
    const measured = timed.map((t, k) => throughput(backend.name, threads, plan.warmup, t, 2 * stepMacs(sessions[k].trainer.model).step, null));
    measured.forEach((row, k) => rows.push({ ...row, objective: objectives[k], overBeta: row.imagesPerSec / measured[0].imagesPerSec }));
    backend.dispose();
  }
  return { rows, threadsNote, peakRssMiB: rssMiB() };
}

function objectivesTable(rows: ObjectiveRow[]): string {
  return markdownTable(
    ["objective", "threads", "images/s", "step ms (median)", "best ms", "× β-VAE", "timed steps"],
    rows.map((r) => [r.objective.kind, String(r.threads), fmt(r.imagesPerSec), fmt(1000 * r.stepSecondsMedian), fmt(1000 * r.stepSecondsBest),
      ratio(r.overBeta), String(r.steps)]),
    ["left", "right", "right", "right", "right", "right", "right"],
  );
}

// ── the WebGPU run ──────────────────────────────────────────────────────────────────
async function runWebGpu() {
  const { createWebGpuBackend, describeAdapter, WebGpuUnavailableError } = await import("@betavae/webgpu");
  let backend;
  try {
    backend = await createWebGpuBackend();
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) fail(`webgpu: ${e.message}`, 1);
    throw e;
  }
  const adapter = describeAdapter(backend.adapter);
  console.log(`WebGPU adapter: ${adapter}${backend.adapter.isFallbackAdapter || /swiftshader/i.test(adapter) ? " — a software adapter: expect it to be slow" : ""}\n`);
  const session = newSession(backend);
  const macs = stepMacs(session.trainer.model);
  // trainStep awaits the read-back of its logged scalars, so each timed step includes the GPU finishing.
  const plan = { warmup: 1, minSeconds: options.quick ? 3 : 15, minSteps: options.quick ? 1 : 3 };
  const timed = await timeSteps(`${backend.name}`, () => session.trainStep(), plan);
  backend.dispose();
  return {
    backend: backend.name,
    adapter,
    parameters: session.trainer.model.parameterCount,
    mflopPerImage: (2 * macs.step) / BATCH / 1e6,
    rows: [throughput(backend.name, null, plan.warmup, timed, 2 * macs.step, null)],
    peakRssMiB: rssMiB(),
  };
}

// ── a dataset file streamed from disk ─────────────────────────────────────────────────
/** The trainer's batch source, timing what each step spends on its data: awaiting the prefetched batch and filling the float batch. */
class TimedSampler implements BatchSource {
  /** Milliseconds on the training thread per step, step after step. */
  readonly perStep: number[] = [];
  private current = 0;
  constructor(readonly sampler: ImageSampler) {}

  async ready(floats: number): Promise<void> {
    const t = performance.now();
    await this.sampler.ready(floats);
    this.current = performance.now() - t;
  }

  next(images: Float32Array): void {
    const t = performance.now();
    this.sampler.next(images);
    this.perStep.push(this.current + performance.now() - t);
    this.current = 0;
  }

  getState() {
    return this.sampler.getState();
  }

  setState(state: unknown): void {
    this.sampler.setState(state);
  }
}

async function runDataFile(path: string) {
  const source = openDataFile(path);
  const backend = await WasmBackend.create();
  const timed = new TimedSampler(new ImageSampler(source, DATA_SEED));
  const session = newSession(backend, timed, source);
  const plan = { warmup: 3, minSeconds: options.quick ? 3 : 15, minSteps: options.quick ? 3 : 5 };
  const steps = await timeSteps(`${backend.name}, ${source.name}`, () => session.trainStep(), plan);
  const dataMs = timed.perStep.slice(plan.warmup);
  // the same batches read with nothing to overlap: what prefetching hides
  const images = new Float32Array(BATCH * source.imageSize);
  const rng = new Rng(DATA_SEED);
  const unhidden = measure(() => source.sampleBatch(rng, BATCH, images), { minSeconds: options.quick ? 0.5 : 2 });
  backend.dispose();
  const step = throughput(backend.name, 1, plan.warmup, steps, 0, null);
  return {
    dataFile: path,
    source: { name: source.name, height: source.height, width: source.width, channels: source.channels },
    rows: [step],
    dataMsPerStepMedian: median(dataMs),
    dataMsPerStepMax: Math.max(...dataMs),
    dataShareOfStep: median(dataMs) / (1000 * step.stepSecondsMedian),
    batchReadMsUnhidden: 1000 * unhidden.median,
    targetShare: 0.05,
    peakRssMiB: rssMiB(),
  };
}

// ── report ──────────────────────────────────────────────────────────────────────────
function throughputTable(rows: Throughput[]): string {
  const align: Align[] = ["left", "right", "right", "right", "right", "right", "right", "right"];
  return markdownTable(
    ["step", "threads", "images/s", "step ms (median)", "best ms", "GFLOP/s", "% of FMA peak", "timed steps"],
    rows.map((r) => [r.backend, r.threads === null ? "—" : String(r.threads), fmt(r.imagesPerSec), fmt(1000 * r.stepSecondsMedian),
      fmt(1000 * r.stepSecondsBest), fmt(r.stepGflops), pct(r.fractionOfPeak), String(r.steps)]),
    align,
  );
}

function profileTable(profile: Profile): string {
  const rows = profile.rows.map((r) => [r.group, r.label, r.callsPerStep ? fmt(r.callsPerStep) : "—", fmt(r.msPerStep),
    r.gflops === null ? "—" : fmt(r.gflops), pct(r.shareOfStep)]);
  const groups = profile.groups.map((g) => [`**${g.group}**`, "total", "", fmt(g.msPerStep), g.gflops === null ? "—" : fmt(g.gflops), pct(g.shareOfStep)]);
  return markdownTable(["group", "op", "calls/step", "ms/step", "GFLOP/s", "share"], [...rows, ...groups],
    ["left", "left", "right", "right", "right", "right"]);
}

async function main(): Promise<void> {
  const common = {
    benchmark: "train",
    machine: machineInfo(),
    timestamp: new Date().toISOString(),
    batch: BATCH,
    model: "Burgess et al. 2018 (64×64×1, 10 latents)",
    objective: OBJECTIVE,
    optimiser: OPTIMISER,
    options: { quick: options.quick, steps: options.steps || null, threads: options.threads, backend: options.backend, objectives: options.objectives, dataFile: options.dataFile },
    loadAverage: os.loadavg(),
  };
  if (options.objectives) {
    const result = await runObjectives();
    console.log(`Training step per objective, Burgess model, dSprites, batch ${BATCH}: data, forward, backward, Adam and the read-backs `
      + `(median step time after warm-up; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)\n`);
    console.log(objectivesTable(result.rows));
    if (result.threadsNote) console.log(`\n${result.threadsNote}`);
    const { objective: _, ...shared } = common;
    await writeJson(options.out, { ...shared, benchmark: "objectives", ...result });
    console.log(`\nJSON: ${options.out}`);
    return;
  }
  if (options.dataFile) {
    const result = await runDataFile(options.dataFile);
    console.log(`Training step from ${result.dataFile} (${result.source.name}, ${result.source.height}×${result.source.width}×${result.source.channels}), `
      + `batch ${BATCH}, 1 thread, streamed from disk and prefetched (median over the timed steps; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)\n`);
    console.log(markdownTable(
      ["step ms", "data ms on the training thread", "share of the step", "batch read alone, ms", "peak RSS MiB"],
      [[fmt(1000 * result.rows[0].stepSecondsMedian), fmt(result.dataMsPerStepMedian), pct(result.dataShareOfStep), fmt(result.batchReadMsUnhidden), fmt(result.peakRssMiB)]],
      ["right", "right", "right", "right", "right"],
    ));
    console.log(`\ndata: awaiting the prefetched batch plus turning its bytes into floats (worst step ${fmt(result.dataMsPerStepMax)} ms); `
      + `"batch read alone" reads and converts a batch with nothing to overlap it; target: data under ${pct(result.targetShare)} of the step`);
    await writeJson(options.out, { ...common, ...result });
    console.log(`\nJSON: ${options.out}`);
    return;
  }
  if (options.backend === "webgpu") {
    const result = await runWebGpu();
    console.log(`Training step, Burgess model, dSprites, batch ${BATCH}, WebGPU (median step time; each step waits for its read-back)\n`);
    console.log(throughputTable(result.rows));
    console.log(`\nMFLOP/image ${fmt(result.mflopPerImage)}, peak RSS ${fmt(result.peakRssMiB)} MiB`);
    await writeJson(options.out, { ...common, ...result });
    console.log(`\nJSON: ${options.out}`);
    return;
  }

  const result = await runWasm();
  const rows = [...result.rows, ...(result.tfjs?.variants.flatMap((v) => (v.throughput ? [v.throughput] : [])) ?? [])];
  console.log(`Training step, Burgess model, dSprites, batch ${BATCH}: data, forward, backward, Adam and the read-backs `
    + `(median step time after warm-up; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)\n`);
  console.log(throughputTable(rows));
  if (result.threadsNote) console.log(`\n${result.threadsNote}`);
  const lines = [
    `FMA peak ${fmt(result.fmaPeakGflops.used)} GFLOP/s (start ${fmt(result.fmaPeakGflops.start)}, end ${fmt(result.fmaPeakGflops.end)}); `
      + `${fmt(result.mflopPerImage)} MFLOP/image; data generator ${fmt(1000 * result.dataSecondsPerBatch)} ms/batch `
      + `(${pct(result.dataShareOfStep)} of the step); peak RSS ${fmt(result.peakRssMiB)} MiB`
      + (result.peakRssMiBWithTfjs ? ` (${fmt(result.peakRssMiBWithTfjs)} MiB once tfjs ran)` : ""),
  ];
  if (result.tfjs) {
    const t = result.tfjs;
    lines.push(`TensorFlow.js ${t.info.core} (${t.info.backend}, SIMD ${t.info.simd ? "on" : "off"}, ${t.info.threads ?? 1} thread); `
      + `filter gradients as ${t.filterGradient}; "deconv by phases" builds the transposed convs from 2×2 conv2d.`);
    for (const v of t.variants) {
      const c = v.check;
      lines.push(`  check (transposed convs: ${v.transposedConv}) against our reference backend on a ${c.model} model: `
        + `loss ${c.loss.toExponential(1)}, gradients ${c.gradients.toExponential(1)} (worst ${c.worstGradient}), `
        + `Adam update ${c.adamUpdate.toExponential(1)}·lr — ${c.passed ? "passed" : "FAILED, so it was not timed"}`);
    }
    const both = (a: number | null, b: number | null): string => `${ratio(a)} against tfjs's own kernels, ${ratio(b)} against deconv by phases`;
    lines.push(`ours / TensorFlow.js, 1 thread each: ${both(result.oursOverTfjs, result.oursOverTfjsPhases)} (target ≥ ${TARGET_RATIO}×)`);
    if (result.oursThreadsOverTfjs !== null) {
      lines.push(`ours on ${options.threads} threads / TensorFlow.js on 1: ${both(result.oursThreadsOverTfjs, result.oursThreadsOverTfjsPhases)}`);
    }
  }
  console.log(`\n${lines.join("\n")}`);
  if (result.profile) {
    console.log(`\nPer-op profile, ${result.backend}, 1 thread: ${result.profile.steps} steps, ${fmt(result.profile.msPerStep)} ms/step `
      + "(GFLOP/s for matrix products: 2 × multiply-adds over the op's time)\n");
    console.log(profileTable(result.profile));
  }
  await writeJson(options.out, { ...common, ...result });
  console.log(`\nJSON: ${options.out}`);
  if (result.tfjs?.variants.some((v) => !v.check.passed)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`bench:train: ${(e as Error).stack ?? (e as Error).message}`);
  process.exit(1);
});
