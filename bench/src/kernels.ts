// Kernel benchmark: GFLOP/s of every dense and conv pass of the Burgess β-VAE at batch 64,
// on the scalar reference, the two WASM kernel builds (plain SIMD and relaxed SIMD) and
// TensorFlow.js's wasm backend, against the machine's WASM peak (fma_peak) measured in the
// same run. Prints a markdown table and writes JSON.
//
//   npm run bench:kernels -- [--quick] [--out FILE] [--no-reference] [--no-tfjs] [--layers TEXT,…]
//
// --layers keeps only the layers whose name contains one of the comma-separated texts
// (e.g. --layers "1→32,32→1" for the single-channel convolutions).
import os from "node:os";
import { parseArgs } from "node:util";
import { relaxedSimdSupported } from "@betavae/kernels";
import {
  type Backend, type Conv2dShape, type DenseShape,
  ReferenceBackend, Rng, WasmBackend, conv2dMacs, conv2dShape, conv2dSizes, conv2dTransposeShape,
} from "@betavae/core";
import { type Timing, gflops, measure, randomArray, relativeError } from "./timing";
import { type Align, fmt, markdownTable, pct, ratio } from "./table";
import { type MachineInfo, defaultResultPath, machineInfo, userPath, writeJson } from "./report";
import { type Tf, type TfjsInfo, loadTfjsWasm } from "./tfjs";

// ── options ─────────────────────────────────────────────────────────────────────
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    "no-reference": { type: "boolean", default: false },
    "no-tfjs": { type: "boolean", default: false },
    layers: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("usage: npm run bench:kernels -- [--quick] [--out FILE] [--no-reference] [--no-tfjs] [--layers TEXT,…]");
  process.exit(0);
}
const quick = args.quick;
const settings = {
  quick,
  /** Timed seconds per cell (WASM and tfjs), split into `batches` batches. */
  minSeconds: quick ? 0.1 : 0.3,
  batches: 5,
  warmupSeconds: quick ? 0.03 : 0.1,
  /** The scalar reference: one warm-up call, then calls until this many seconds (at least one). */
  referenceSeconds: quick ? 0.05 : 0.1,
  /** In quick mode the reference skips cells above this many FLOP. */
  referenceMaxFlops: quick ? 100e6 : Infinity,
  /** fma_peak iterations per call (96 FLOP each). */
  peakIterations: 200_000,
};
const outPath = args.out ? userPath(args.out) : defaultResultPath("kernels.json");
const progress = (text: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};

// ── the Burgess β-VAE's layers at batch 64 ────────────────────────────────────────
const BATCH = 64;

type Pass = "forward" | "backwardData" | "backwardParams";
const PASSES: Pass[] = ["forward", "backwardData", "backwardParams"];

type Layer =
  | { name: string; kind: "dense"; shape: DenseShape }
  | { name: string; kind: "conv" | "deconv"; shape: Conv2dShape };

const dense = (side: string, inFeatures: number, outFeatures: number): Layer =>
  ({ name: `${side} dense ${inFeatures}→${outFeatures}`, kind: "dense", shape: { batch: BATCH, inFeatures, outFeatures } });
const conv = (cin: number, cout: number, size: number): Layer =>
  ({ name: `enc conv ${cin}→${cout} ${size}→${size / 2}`, kind: "conv",
    shape: conv2dShape({ batch: BATCH, inHeight: size, inWidth: size, inChannels: cin, outChannels: cout, kernel: 4, stride: 2, pad: 1 }) });
const deconv = (cin: number, cout: number, size: number): Layer =>
  ({ name: `dec deconv ${cin}→${cout} ${size}→${size * 2}`, kind: "deconv",
    shape: conv2dTransposeShape({ batch: BATCH, inHeight: size, inWidth: size, inChannels: cin, outChannels: cout, kernel: 4, stride: 2, pad: 1 }) });

const ALL_LAYERS: Layer[] = [
  conv(1, 32, 64), conv(32, 32, 32), conv(32, 32, 16), conv(32, 32, 8),
  dense("enc", 512, 256), dense("enc", 256, 256), dense("enc", 256, 20),
  dense("dec", 10, 256), dense("dec", 256, 256), dense("dec", 256, 512),
  deconv(32, 32, 4), deconv(32, 32, 8), deconv(32, 32, 16), deconv(32, 1, 32),
];
const layerFilter = args.layers?.split(",").map((t) => t.trim()).filter((t) => t.length > 0) ?? [];
const LAYERS = layerFilter.length ? ALL_LAYERS.filter((l) => layerFilter.some((t) => l.name.includes(t))) : ALL_LAYERS;
if (LAYERS.length === 0) {
  console.error(`--layers ${args.layers}: no layer matches; names are ${ALL_LAYERS.map((l) => `"${l.name}"`).join(", ")}`);
  process.exit(1);
}

function passLabel(layer: Layer, pass: Pass): string {
  if (pass === "forward") return "fwd";
  if (pass === "backwardData") return "bwd data";
  return layer.kind === "dense" ? "bwd weights" : "bwd filter";
}

function passFlops(layer: Layer): number {
  if (layer.kind === "dense") return 2 * layer.shape.batch * layer.shape.inFeatures * layer.shape.outFeatures;
  return 2 * conv2dMacs(layer.shape, layer.kind === "deconv");
}

/** Sizes of the tensors a layer's three passes touch. */
function tensorSizes(layer: Layer): { input: number; output: number; params: number; bias: number } {
  if (layer.kind === "dense") {
    const s = layer.shape;
    return { input: s.batch * s.inFeatures, output: s.batch * s.outFeatures, params: s.inFeatures * s.outFeatures, bias: s.outFeatures };
  }
  const n = conv2dSizes(layer.shape);
  return { input: n.input, output: n.output, params: n.filter, bias: 0 };
}

interface LayerData {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  dy: Float32Array;
}

function layerData(layer: Layer, seed: number): LayerData {
  const random = new Rng(seed);
  const n = tensorSizes(layer);
  // Weights at about 1/sqrt(fan-in) keep outputs O(1), like an initialised network.
  const fanIn = layer.kind === "dense" ? layer.shape.inFeatures
    : layer.shape.kernelHeight * layer.shape.kernelWidth * (layer.kind === "conv" ? layer.shape.inChannels : layer.shape.outChannels);
  return {
    x: randomArray(random, n.input),
    w: randomArray(random, n.params, 1 / Math.sqrt(fanIn)),
    b: randomArray(random, n.bias, 0.1),
    dy: randomArray(random, n.output),
  };
}

// ── runners: one per backend × layer × pass ───────────────────────────────────────
interface Runner {
  run(): void;
  output(): Promise<Float32Array> | Float32Array;
}

function backendRunners(backend: Backend, layer: Layer, data: LayerData): Record<Pass, Runner> {
  const n = tensorSizes(layer);
  const upload = (values: Float32Array) => {
    const buf = backend.alloc(values.length);
    backend.write(buf, values);
    return buf;
  };
  const x = upload(data.x), w = upload(data.w), dy = upload(data.dy);
  const b = layer.kind === "dense" ? upload(data.b) : null;
  const y = backend.alloc(n.output), dx = backend.alloc(n.input), dw = backend.alloc(n.params);
  const runner = (run: () => void, out: typeof y): Runner => ({ run, output: () => backend.read(out) });

  switch (layer.kind) {
    case "dense": {
      const s = layer.shape;
      return {
        forward: runner(() => backend.denseForward(y, x, w, b, s), y),
        backwardData: runner(() => backend.denseBackwardData(dx, dy, w, s), dx),
        backwardParams: runner(() => backend.denseBackwardWeights(dw, dy, x, s), dw),
      };
    }
    case "conv": {
      const s = layer.shape;
      return {
        forward: runner(() => backend.conv2dForward(y, x, w, s), y),
        backwardData: runner(() => backend.conv2dBackwardData(dx, dy, w, s), dx),
        backwardParams: runner(() => backend.conv2dBackwardFilter(dw, dy, x, s), dw),
      };
    }
    case "deconv": {
      const s = layer.shape;
      return {
        forward: runner(() => backend.conv2dTransposeForward(y, x, w, s), y),
        backwardData: runner(() => backend.conv2dTransposeBackwardData(dx, dy, w, s), dx),
        backwardParams: runner(() => backend.conv2dTransposeBackwardFilter(dw, dy, x, s), dw),
      };
    }
  }
}

interface TfjsRunner extends Runner {
  /** The tfjs op timed, for the JSON. */
  op: string;
}

/**
 * The same passes in tfjs, where it has a kernel for them (each pass may have several ways;
 * the fastest counts). Dense: matMul, with a fused bias for the forward pass; the gradients
 * both as matMul with transpose flags (what tfjs's own gradient of matMul does) and as an
 * explicit transpose followed by a plain matMul (much faster in tfjs-wasm 4.22). Conv:
 * forward via conv2d and its input gradient via conv2dTranspose (Conv2DBackpropInput), the
 * other way round for the transposed conv. tfjs-wasm has no Conv2DBackpropFilter, so filter
 * gradients have no entry.
 */
function tfjsRunners(tf: Tf, layer: Layer, data: LayerData): Record<Pass, TfjsRunner[]> {
  const make = (op: string, fn: () => import("@tensorflow/tfjs-core").Tensor): TfjsRunner => ({
    op,
    run: () => tf.tidy(fn).dispose(),
    output: () => {
      const t = tf.tidy(fn);
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return Float32Array.from(values);
    },
  });
  if (layer.kind === "dense") {
    const s = layer.shape;
    const x = tf.tensor2d(data.x, [s.batch, s.inFeatures]);
    const w = tf.tensor2d(data.w, [s.inFeatures, s.outFeatures]);
    const b = tf.tensor1d(data.b);
    const dy = tf.tensor2d(data.dy, [s.batch, s.outFeatures]);
    return {
      forward: [make("fused.matMul(x, W, bias)", () => tf.fused.matMul({ a: x, b: w, bias: b }))],
      backwardData: [
        make("matMul(dy, W, false, true)", () => tf.matMul(dy, w, false, true)),
        make("matMul(dy, transpose(W))", () => tf.matMul(dy, tf.transpose(w))),
      ],
      backwardParams: [
        make("matMul(x, dy, true, false)", () => tf.matMul(x, dy, true, false)),
        make("matMul(transpose(x), dy)", () => tf.matMul(tf.transpose(x), dy)),
      ],
    };
  }
  const s = layer.shape;
  const inShape: [number, number, number, number] = [s.batch, s.inHeight, s.inWidth, s.inChannels];
  const outShape: [number, number, number, number] = [s.batch, s.outHeight, s.outWidth, s.outChannels];
  const x = tf.tensor4d(data.x, inShape);
  const dy = tf.tensor4d(data.dy, outShape);
  const stride: [number, number] = [s.stride, s.stride];
  if (layer.kind === "conv") {
    const f = tf.tensor4d(data.w, [s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels]);
    return {
      forward: [make("conv2d", () => tf.conv2d(x, f, stride, s.pad))],
      backwardData: [make("conv2dTranspose", () => tf.conv2dTranspose(dy, f, inShape, stride, s.pad))],
      backwardParams: [],
    };
  }
  const f = tf.tensor4d(data.w, [s.kernelHeight, s.kernelWidth, s.outChannels, s.inChannels]);
  return {
    forward: [make("conv2dTranspose", () => tf.conv2dTranspose(x, f, outShape, stride, s.pad))],
    backwardData: [make("conv2d", () => tf.conv2d(dy, f, stride, s.pad))],
    backwardParams: [],
  };
}

// ── measurement ───────────────────────────────────────────────────────────────────
interface Cell {
  gflops: number;
  /** Median seconds per call. */
  seconds: number;
  bestSeconds: number;
  calls: number;
  batches: number;
  cpuPerWall: number;
}

function cell(flops: number, t: Timing): Cell {
  return {
    gflops: gflops(flops, t.median), seconds: t.median, bestSeconds: t.best, calls: t.calls, batches: t.batches,
    cpuPerWall: Math.round(t.cpuPerWall * 100) / 100,
  };
}

interface Peak {
  /** The higher of the two runs (start and end), median GFLOP/s like every other cell. */
  gflops: number;
  start: Cell;
  end: Cell;
}

function measurePeak(backend: WasmBackend): Cell {
  const iterations = settings.peakIterations;
  return cell(96 * iterations, measure(() => backend.kernels.fma_peak(iterations, 1), {
    minSeconds: settings.minSeconds, batches: settings.batches, warmupSeconds: settings.warmupSeconds,
  }));
}

const peakOf = (start: Cell, end: Cell): Peak => ({ gflops: Math.max(start.gflops, end.gflops), start, end });

interface Row {
  layer: string;
  kind: Layer["kind"];
  pass: Pass;
  label: string;
  shape: DenseShape | Conv2dShape;
  flops: number;
  reference: Cell | null;
  simd: Cell;
  relaxed: Cell | null;
  /** The fastest of the ways tfjs can do the pass (all of them in `alternatives`). */
  tfjs: (Cell & { op: string; alternatives: (Cell & { op: string })[] }) | null;
  percentOfPeak: { simd: number; relaxed: number | null };
  relaxedOverTfjs: number | null;
  /** max |out − expected| / max |expected| of each backend's output, against `against`. */
  error: { against: "reference" | "wasm-simd"; simd: number | null; relaxed: number | null; tfjs: number | null };
}

async function main(): Promise<void> {
  // Relaxed SIMD first: on Node 20 this sets the V8 flag, which must precede every compile.
  const hasRelaxed = await relaxedSimdSupported();
  const simd = await WasmBackend.create({ variant: "simd" });
  const relaxed = hasRelaxed ? await WasmBackend.create({ variant: "relaxed" }) : null;
  const reference = new ReferenceBackend();
  const tfjs = args["no-tfjs"] ? null : await loadTfjsWasm();
  const tfjsMissingKernels = tfjs
    ? ["Conv2DBackpropFilter"].filter((name) => !tfjs.tf.getKernel(name, "wasm")) : [];

  const loadStart = os.loadavg()[0];
  progress("measuring fma_peak…");
  const peakStart = { simd: measurePeak(simd), relaxed: relaxed ? measurePeak(relaxed) : null };

  const measured: Omit<Row, "percentOfPeak">[] = [];
  let seed = 1;
  for (const layer of LAYERS) {
    const flops = passFlops(layer);
    const data = layerData(layer, seed++);
    const runners = {
      reference: backendRunners(reference, layer, data),
      simd: backendRunners(simd, layer, data),
      relaxed: relaxed ? backendRunners(relaxed, layer, data) : null,
      tfjs: tfjs ? tfjsRunners(tfjs.tf, layer, data) : null,
    };
    for (const pass of PASSES) {
      const label = passLabel(layer, pass);
      progress(`${layer.name} ${label}`);
      const timeIt = (r: Runner): Cell => cell(flops, measure(() => r.run(), {
        minSeconds: settings.minSeconds, batches: settings.batches, warmupSeconds: settings.warmupSeconds,
      }));

      const runReference = !args["no-reference"] && flops <= settings.referenceMaxFlops;
      const refRunner = runners.reference[pass];
      const referenceCell = runReference
        ? cell(flops, measure(() => refRunner.run(), { minSeconds: settings.referenceSeconds, batches: 1, warmupCalls: 1, warmupSeconds: 0 }))
        : null;
      const simdCell = timeIt(runners.simd[pass]);
      const relaxedCell = runners.relaxed ? timeIt(runners.relaxed[pass]) : null;
      const tfjsTimed = (runners.tfjs?.[pass] ?? []).map((r) => ({ runner: r, cell: { ...timeIt(r), op: r.op } }));
      const tfjsFastest = tfjsTimed.reduce<(typeof tfjsTimed)[number] | null>(
        (a, t) => (a === null || t.cell.gflops > a.cell.gflops ? t : a), null);
      const tfjsCell = tfjsFastest ? { ...tfjsFastest.cell, alternatives: tfjsTimed.map((t) => t.cell) } : null;

      // Every output against the reference's (or the SIMD build's when the reference was skipped).
      const expected = runReference ? await refRunner.output() : await runners.simd[pass].output();
      const errorOf = async (r: Runner) => relativeError(await r.output(), expected);
      const tfjsErrors = await Promise.all(tfjsTimed.map((t) => errorOf(t.runner)));
      const error = {
        against: runReference ? "reference" as const : "wasm-simd" as const,
        simd: runReference ? await errorOf(runners.simd[pass]) : null,
        relaxed: runners.relaxed ? await errorOf(runners.relaxed[pass]) : null,
        tfjs: tfjsErrors.length ? Math.max(...tfjsErrors) : null,
      };

      measured.push({
        layer: layer.name, kind: layer.kind, pass, label, shape: layer.shape, flops,
        reference: referenceCell, simd: simdCell, relaxed: relaxedCell, tfjs: tfjsCell,
        relaxedOverTfjs: relaxedCell && tfjsCell ? relaxedCell.gflops / tfjsCell.gflops : null,
        error,
      });
    }
  }

  const loadEnd = os.loadavg()[0];
  progress("measuring fma_peak again…");
  const peakEnd = { simd: measurePeak(simd), relaxed: relaxed ? measurePeak(relaxed) : null };
  progress("");
  const peaks: { simd: Peak; relaxed: Peak | null } = {
    simd: peakOf(peakStart.simd, peakEnd.simd),
    relaxed: peakStart.relaxed && peakEnd.relaxed ? peakOf(peakStart.relaxed, peakEnd.relaxed) : null,
  };
  // Percentages are of the relaxed build's peak (the SIMD build's where relaxed SIMD is missing).
  const peak = (peaks.relaxed ?? peaks.simd).gflops;
  const peakName = peaks.relaxed ? "relaxed-SIMD" : "SIMD";
  const rows: Row[] = measured.map((r) => ({
    ...r, percentOfPeak: { simd: r.simd.gflops / peak, relaxed: r.relaxed ? r.relaxed.gflops / peak : null },
  }));

  const machine = machineInfo();
  const context: ReportContext = { machine, peaks, peak, peakName, tfjsInfo: tfjs?.info ?? null, tfjsMissingKernels, loadStart, loadEnd };
  const summary = summarise(rows, peak);
  console.log([...renderTable(rows, context), ...renderSummary(rows, summary, context)].join("\n"));

  await writeJson(outPath, {
    benchmark: "kernels",
    timestamp: new Date().toISOString(),
    machine,
    settings,
    peaks,
    peakUsedForPercent: { variant: peaks.relaxed ? "relaxed" : "simd", gflops: peak },
    loadAverage: { start: loadStart, end: loadEnd },
    tfjs: tfjs ? { ...tfjs.info, missingKernels: tfjsMissingKernels } : null,
    rows,
    summary,
  });
  console.log(`JSON: ${outPath}`);
}

// ── summary ─────────────────────────────────────────────────────────────────────
/** The figure a row counts with: the relaxed build where it runs, else the SIMD build. */
const ours = (r: Row): Cell => r.relaxed ?? r.simd;

/** FLOP-weighted throughput of a set of rows: their total FLOP over their total time. */
function aggregate(rows: Row[], pick: (r: Row) => Cell | null): number | null {
  let flops = 0;
  let seconds = 0;
  for (const r of rows) {
    const c = pick(r);
    if (c) {
      flops += r.flops;
      seconds += c.seconds;
    }
  }
  return seconds > 0 ? gflops(flops, seconds) : null;
}

/** The large dense layers: what the GEMM target is about. */
const isGemm = (r: Row): boolean =>
  r.kind === "dense" && "inFeatures" in r.shape && r.shape.inFeatures >= 256 && r.shape.outFeatures >= 256;
/** The 32→32 4×4 stride-2 convolutions and transposed convolutions. */
const isConv32 = (r: Row): boolean =>
  r.kind !== "dense" && "inChannels" in r.shape && r.shape.inChannels === 32 && r.shape.outChannels === 32;
/** The memory-bound convolutions with one channel on a side: the first conv and the last transposed conv. */
const isSingleChannel = (r: Row): boolean =>
  r.kind !== "dense" && "inChannels" in r.shape && Math.min(r.shape.inChannels, r.shape.outChannels) === 1;

type Summary = ReturnType<typeof summarise>;

function summarise(rows: Row[], peak: number) {
  const byPass = (set: Row[]) => Object.fromEntries(PASSES.map((pass) => [pass, aggregate(set.filter((r) => r.pass === pass), ours)]));
  // A criterion whose layers were all filtered out (--layers) is left out.
  const criterion = (name: string, set: Row[], threshold: number) => {
    if (set.length === 0) return [];
    const perPass = PASSES.map((pass) => {
      const cells = set.filter((r) => r.pass === pass);
      const g = aggregate(cells, ours) ?? 0;
      const lowest = cells.reduce((a, r) => (ours(r).gflops < ours(a).gflops ? r : a));
      return {
        pass, label: cells[0].label, gflops: g, fraction: g / peak,
        lowest: { layer: lowest.layer, fraction: ours(lowest).gflops / peak },
      };
    });
    return [{ name, threshold, pass: perPass.every((p) => p.fraction >= threshold), perPass }];
  };
  /** tfjs against ours on the cells tfjs ran, grouped by the tfjs op timed. */
  const versusTfjs = (set: string, cells: Row[]) =>
    [...new Set(cells.flatMap((r) => (r.tfjs ? [r.tfjs.op] : [])))].map((op) => {
      const same = cells.filter((r) => r.tfjs?.op === op);
      const tfjsGflops = aggregate(same, (r) => r.tfjs)!;
      const oursGflops = aggregate(same, ours)!;
      return { set, op, cells: same.map((r) => `${r.layer} ${r.label}`), tfjsGflops, oursGflops, ratio: oursGflops / tfjsGflops };
    });
  // tfjs's own gradient of matMul uses the transpose flags; how fast that way is, on the GEMM cells.
  const flagged = rows.filter(isGemm).flatMap((r) =>
    (r.tfjs?.alternatives ?? []).filter((a) => /true|false/.test(a.op)).map((a) => ({ ...a, flops: r.flops })));
  const referenceRows = rows.filter((r) => r.reference);
  const gemmRows = rows.filter(isGemm);
  const conv32Rows = rows.filter(isConv32);
  const singleChannelRows = rows.filter(isSingleChannel);
  const errors = rows.flatMap((r) => [r.error.simd, r.error.relaxed, r.error.tfjs]).filter((e): e is number => e !== null);
  return {
    variant: rows.some((r) => r.relaxed) ? "wasm-relaxed" : "wasm-simd",
    peakGflops: peak,
    gemm: { gflops: aggregate(gemmRows, ours), byPass: byPass(gemmRows) },
    conv32: { gflops: aggregate(conv32Rows, ours), byPass: byPass(conv32Rows) },
    criteria: [
      ...criterion(`GEMM (dense 512→256, 256→256, 256→512 at batch ${BATCH})`, gemmRows, 0.6),
      ...criterion("conv 32→32 4×4 stride 2 (enc conv and dec deconv)", conv32Rows, 0.4),
    ],
    /** Every pass of the single-channel convolutions, with its time per call: what they add to a step. */
    singleChannel: {
      gflops: aggregate(singleChannelRows, ours),
      millisecondsPerStep: singleChannelRows.reduce((a, r) => a + ours(r).seconds * 1e3, 0),
      cells: singleChannelRows.map((r) => ({
        layer: r.layer, label: r.label, fraction: ours(r).gflops / peak, milliseconds: ours(r).seconds * 1e3,
      })),
    },
    tfjs: [...versusTfjs("GEMM", gemmRows), ...versusTfjs("conv 32→32", conv32Rows)],
    tfjsGemmGradientsWithFlagsGflops: flagged.length
      ? gflops(flagged.reduce((a, c) => a + c.flops, 0), flagged.reduce((a, c) => a + c.seconds, 0)) : null,
    reference: referenceRows.length
      ? { cells: referenceRows.length, gflops: aggregate(referenceRows, (r) => r.reference)!, oursGflops: aggregate(referenceRows, ours)! }
      : null,
    others: rows.filter((r) => !isGemm(r) && !isConv32(r) && !isSingleChannel(r)).map((r) => ({ layer: r.layer, label: r.label, fraction: ours(r).gflops / peak })),
    worstError: errors.some(Number.isNaN) ? NaN : Math.max(0, ...errors),
  };
}

// ── rendering ───────────────────────────────────────────────────────────────────
interface ReportContext {
  machine: MachineInfo;
  peaks: { simd: Peak; relaxed: Peak | null };
  peak: number;
  peakName: string;
  tfjsInfo: TfjsInfo | null;
  tfjsMissingKernels: string[];
  loadStart: number;
  loadEnd: number;
}

function renderTable(rows: Row[], c: ReportContext): string[] {
  const out: string[] = [];
  out.push(`# Kernel benchmark — Burgess β-VAE layers, batch ${BATCH}${quick ? " (quick)" : ""}`, "");
  out.push(`${c.machine.cpu}, ${c.machine.cores} cores, Node ${c.machine.node} (V8 ${c.machine.v8}); single thread.`);
  out.push(`WASM peak (fma_peak, the higher of a run at start and one at end): relaxed-SIMD `
    + `${c.peaks.relaxed ? `${fmt(c.peaks.relaxed.gflops)} GFLOP/s` : "unsupported"}, SIMD ${fmt(c.peaks.simd.gflops)} GFLOP/s.`);
  if (c.tfjsInfo) {
    out.push(`TensorFlow.js ${c.tfjsInfo.core}, backend ${c.tfjsInfo.backend} ${c.tfjsInfo.backendWasm}: `
      + `WASM_HAS_SIMD_SUPPORT=${c.tfjsInfo.simd}, threads ${c.tfjsInfo.threads ?? "?"}.`);
  }
  out.push(`Load average (1 min): ${c.loadStart.toFixed(2)} at start, ${c.loadEnd.toFixed(2)} before the end`
    + ` (this benchmark adds about 1; more means other work shared the machine and the figures may be low).`, "");
  out.push(`GFLOP/s, median of ≥${settings.batches} timed batches (≥${settings.minSeconds} s per cell, after warm-up); `
    + `reference: mean of ≥1 call (≥${settings.referenceSeconds} s) after 1 warm-up call`
    + `${quick ? `, skipped above ${settings.referenceMaxFlops / 1e6} MFLOP` : ""}. `
    + `"% pk" = % of the ${c.peakName} peak (${fmt(c.peak)} GFLOP/s). `
    + `"err" = worst max-abs error relative to the output's scale, against the reference.`, "");

  const headers = ["layer", "pass", "MFLOP", "reference", "wasm-simd", "% pk", "wasm-relaxed", "% pk", "tfjs-wasm", "relaxed/tfjs", "err"];
  const cells = rows.map((r) => {
    const errors = [r.error.simd, r.error.relaxed, r.error.tfjs].filter((e): e is number => e !== null);
    const worst = errors.length ? (errors.some(Number.isNaN) ? NaN : Math.max(...errors)) : null;
    return [
      r.layer, r.label, fmt(r.flops / 1e6),
      r.reference ? fmt(r.reference.gflops) : "—",
      fmt(r.simd.gflops), pct(r.percentOfPeak.simd),
      r.relaxed ? fmt(r.relaxed.gflops) : "n/a", pct(r.percentOfPeak.relaxed),
      r.tfjs ? fmt(r.tfjs.gflops) : c.tfjsInfo ? "n/a" : "—",
      ratio(r.relaxedOverTfjs),
      worst === null ? "—" : `${worst.toExponential(0)}${r.error.against === "reference" ? "" : "*"}`,
    ];
  });
  out.push(markdownTable(headers, cells, ["left", "left", ...Array<Align>(9).fill("right")]), "");

  const notes: string[] = [];
  if (rows.some((r) => r.error.against !== "reference")) notes.push("err*: against wasm-simd (reference skipped).");
  if (c.tfjsInfo) notes.push("tfjs dense gradients: the faster of matMul with transpose flags and an explicit transpose + matMul (both in the JSON).");
  if (c.tfjsMissingKernels.length) notes.push(`tfjs n/a: the wasm backend registers no ${c.tfjsMissingKernels.join(", ")} kernel.`);
  const multicore = rows.filter((r) => [r.simd, r.relaxed, r.tfjs].some((cell) => cell && cell.cpuPerWall > 1.5));
  if (multicore.length) {
    notes.push(`Warning: more than one core busy while timing ${multicore.map((r) => `${r.layer} ${r.label}`).join(", ")} (cpuPerWall in the JSON).`);
  }
  if (notes.length) out.push(...notes, "");
  return out;
}

function renderSummary(rows: Row[], s: Summary, c: ReportContext): string[] {
  const out = ["## Summary", ""];
  const peakText = (p: Peak) => `${fmt(p.gflops)} GFLOP/s (start ${fmt(p.start.gflops)}, end ${fmt(p.end.gflops)})`;
  out.push(`- Peak (fma_peak): relaxed-SIMD ${c.peaks.relaxed ? peakText(c.peaks.relaxed) : "unsupported"}; SIMD ${peakText(c.peaks.simd)}.`);
  for (const k of s.criteria) {
    const parts = k.perPass.map((p) => `${p.label} ${pct(p.fraction)} (${fmt(p.gflops)} GFLOP/s; lowest ${p.lowest.layer} ${pct(p.lowest.fraction)})`);
    out.push(`- ${k.name}, ${s.variant}, FLOP-weighted % of ${c.peakName} peak: ${parts.join("; ")} — `
      + `${k.pass ? "PASS" : "below"} (target ≥${pct(k.threshold)} for every pass).`);
  }
  for (const t of s.tfjs) {
    out.push(`- tfjs-wasm ${t.set}, ${t.op}: ${fmt(t.tfjsGflops)} GFLOP/s; ${s.variant} on the same cells `
      + `${fmt(t.oursGflops)} GFLOP/s = ${ratio(t.ratio)} tfjs.`);
  }
  if (s.tfjsGemmGradientsWithFlagsGflops !== null) {
    out.push(`- tfjs-wasm GEMM gradients the way tfjs's own matMul gradient runs them (transpose flags): ${fmt(s.tfjsGemmGradientsWithFlagsGflops)} GFLOP/s.`);
  }
  if (s.reference) {
    out.push(`- Scalar reference: ${fmt(s.reference.gflops)} GFLOP/s over the ${s.reference.cells} cells it ran; `
      + `${s.variant} is ${ratio(s.reference.oursGflops / s.reference.gflops)} faster on the same cells.`);
  }
  const byLayer = <T extends { layer: string; label: string }>(cells: T[], text: (cell: T) => string) =>
    [...new Set(cells.map((o) => o.layer))]
      .map((name) => `${name}: ${cells.filter((o) => o.layer === name).map((o) => `${o.label} ${text(o)}`).join(", ")}`).join("; ");
  const single = s.singleChannel;
  if (single.cells.length) {
    out.push(`- Single-channel convolutions (memory-bound), ${s.variant}, % of peak and ms per call: `
      + byLayer(single.cells, (o) => `${pct(o.fraction)} ${fmt(o.milliseconds)} ms`)
      + ` — ${fmt(single.millisecondsPerStep)} ms in all (${fmt(single.gflops ?? 0)} GFLOP/s).`);
  }
  if (s.others.length) {
    out.push(`- Outside the targets (tiny layers), ${s.variant} % of peak: ${byLayer(s.others, (o) => pct(o.fraction))}.`);
  }
  const bad = !(s.worstError <= 1e-3);
  out.push(`- Outputs agree: worst relative error ${s.worstError.toExponential(1)}${bad ? " — CHECK THE KERNELS" : ""}.`, "");
  return out;
}

await main();
