// npm run bench:train -- [--quick] [--steps N] [--out FILE]
// Training throughput of the Burgess model (dSprites, batch 64) on one thread: images/s of
// the whole step (data, forward, backward, Adam), the step's FLOP rate as a fraction of the
// WASM FMA peak measured in the same run, and peak RSS. Prints a table, writes JSON.
import { BetaVAE, BURGESS_CONFIG, ConvLayer, Rng, Trainer, WasmBackend, conv2dMacs } from "@betavae/core";
import { DatasetSampler, createDataset } from "@betavae/datasets";
import { median } from "./timing";
import { fmt, markdownTable, pct } from "./table";
import { defaultResultPath, machineInfo, userPath, writeJson } from "./report";

const BATCH = 64;

function parse(argv: string[]) {
  const options = { quick: false, steps: 0, out: defaultResultPath("train.json") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") options.quick = true;
    else if (a === "--steps") options.steps = Number(argv[++i]);
    else if (a === "--out") options.out = userPath(argv[++i]);
    else {
      console.error(`bench:train: unknown option ${a}\nusage: npm run bench:train -- [--quick] [--steps N] [--out FILE]`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.steps) || options.steps < 0) {
    console.error("bench:train: --steps must be a non-negative integer");
    process.exit(2);
  }
  return options;
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

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const backend = await WasmBackend.create();
  const dataset = createDataset("dsprites");
  const source = new DatasetSampler(dataset, 2);
  const rng = new Rng(1);
  const trainer = new Trainer(backend, {
    model: BURGESS_CONFIG, objective: { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100000 },
    optimiser: { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: BATCH, seed: 1,
  }, source);

  const peakOf = () => {
    const iterations = 2e7;
    backend.kernels.fma_peak(1e6, 1);
    const t = performance.now();
    backend.kernels.fma_peak(iterations, 1);
    return (iterations * 96) / ((performance.now() - t) / 1000) / 1e9;
  };
  const peakBefore = peakOf();

  for (let i = 0; i < 3; i++) await trainer.trainStep(); // warm-up: V8 tiers up the kernels
  const minSeconds = options.quick ? 3 : 15;
  const stepSeconds: number[] = [];
  const started = performance.now();
  while (options.steps ? stepSeconds.length < options.steps : (performance.now() - started) / 1000 < minSeconds || stepSeconds.length < 5) {
    const t = performance.now();
    await trainer.trainStep();
    stepSeconds.push((performance.now() - t) / 1000);
  }
  const total = (performance.now() - started) / 1000;

  // the data generator's share of the step, timed alone
  const images = new Float32Array(BATCH * dataset.imageSize);
  const dataSeconds: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    dataset.sampleBatch(rng, BATCH, images);
    dataSeconds.push((performance.now() - t) / 1000);
  }
  const peak = Math.max(peakBefore, peakOf());
  const macs = stepMacs(trainer.model);
  const stepMedian = median(stepSeconds);
  const imagesPerSec = BATCH / stepMedian;
  const gflops = (2 * macs.step) / stepMedian / 1e9;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const result = {
    benchmark: "train",
    machine: machineInfo(),
    timestamp: new Date().toISOString(),
    backend: backend.name,
    threads: 1,
    batch: BATCH,
    model: "Burgess et al. 2018 (64×64×1, 10 latents)",
    parameters: trainer.model.parameterCount,
    steps: stepSeconds.length,
    secondsTimed: total,
    stepSecondsMedian: stepMedian,
    stepSecondsBest: Math.min(...stepSeconds),
    imagesPerSec,
    imagesPerSecOverall: (BATCH * stepSeconds.length) / total,
    mflopPerImage: (2 * macs.step) / BATCH / 1e6,
    stepGflops: gflops,
    fmaPeakGflops: peak,
    fractionOfPeak: gflops / peak,
    dataSecondsPerBatch: median(dataSeconds),
    dataShareOfStep: median(dataSeconds) / stepMedian,
    peakRssMiB: rssMiB,
  };
  console.log(`Training step, Burgess model, dSprites, batch ${BATCH}, ${backend.name}, 1 thread `
    + `(${stepSeconds.length} steps after 3 warm-up steps; median step time)\n`);
  console.log(markdownTable(
    ["images/s", "step ms", "MFLOP/image", "GFLOP/s", "% of FMA peak", "peak GFLOP/s", "data ms/batch", "peak RSS MiB"],
    [[fmt(imagesPerSec), fmt(stepMedian * 1000), fmt(result.mflopPerImage), fmt(gflops), pct(result.fractionOfPeak), fmt(peak),
      fmt(result.dataSecondsPerBatch * 1000), fmt(rssMiB)]],
    ["right", "right", "right", "right", "right", "right", "right", "right"],
  ));
  await writeJson(options.out, result);
  console.log(`\nJSON: ${options.out}`);
}

main().catch((e) => {
  console.error(`bench:train: ${(e as Error).message}`);
  process.exit(1);
});
