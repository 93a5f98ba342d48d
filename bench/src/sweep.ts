// Study throughput of `bvae sweep` on local workers: runs per hour and images/s summed over
// the study, for 1 and 2 workers (one thread each) against one run trained alone by
// `bvae train` on one thread, and what a run costs besides training (the commands' start,
// eval, figures), from the runs' result.json. Everything runs through the bvae binary, as a
// user runs it. Prints tables, writes JSON.
//
//   npm run bench:sweep -- [--quick] [--runs N] [--steps N] [--batch N] [--workers 1,2] [--out FILE]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MetricsRecord } from "@betavae/core";
import { benchCommandLine } from "./options";
import { defaultResultPath, machineInfo, userPath, writeJson } from "./report";
import { fmt, markdownTable, pct, ratio } from "./table";

const USAGE = "usage: npm run bench:sweep -- [--quick] [--runs N] [--steps N] [--batch N] [--workers 1,2] [--out FILE]";
const BVAE = fileURLToPath(new URL("../../apps/cli/bin/bvae.mjs", import.meta.url));
/** The goal: N workers train at least 0.9 × N × one run's speed on N free cores. */
const GOAL = 0.9;

const { fail, parse: parseFlags, positiveInteger } = benchCommandLine("bench:sweep", USAGE);

function parse() {
  const values = parseFlags({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      steps: { type: "string" },
      batch: { type: "string" },
      workers: { type: "string", default: "1,2" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const workers = values.workers.split(",").map((w) => positiveInteger(w, "--workers", 1));
  return {
    runs: positiveInteger(values.runs, "--runs", values.quick ? 2 : 4),
    steps: positiveInteger(values.steps, "--steps", values.quick ? 20 : 100),
    batch: positiveInteger(values.batch, "--batch", 64),
    workers,
    out: values.out ? userPath(values.out) : defaultResultPath("sweep.json"),
  };
}

function bvae(args: string[]): { seconds: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BVAE, ...args], { encoding: "utf8" });
  if (r.status !== 0) fail(`bvae ${args.join(" ")} failed: ${r.stderr.trim().split("\n").pop()}`);
  return { seconds: (performance.now() - started) / 1000 };
}

/** A run's last logged step; its `seconds` is the training loop's time (bvae train logs it on every record). */
const lastRecord = (dir: string): MetricsRecord & { seconds: number } => {
  const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
};

const options = parse();
const base = `{ dataset: blobs, objective: beta, steps: ${options.steps}, batch: ${options.batch}, checkpoint-every: ${options.steps}, log-every: 10 }`;
const study = (runs: number) => `name: bench\nbase: ${base}\ngrid: { beta: [${Array.from({ length: runs }, (_, i) => i + 1).join(", ")}] }\nseeds: [1]\neval: { metrics: [mig], samples: 2000 }\n`;
const scratch = mkdtempSync(join(os.tmpdir(), "bench-sweep-"));
const cores = os.availableParallelism();
console.log(`bench:sweep on ${machineInfo().cpu}, ${cores} cores (load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}): `
  + `${options.runs} runs of ${options.steps} steps, batch ${options.batch}, blobs 64×64, 10 latents; eval MIG on 2000 samples`);

// one run alone: the reference speed
const aloneDir = join(scratch, "alone");
const alone = bvae(["train", "--dataset=blobs", "--objective=beta", "--beta=1", `--steps=${options.steps}`, `--batch=${options.batch}`,
  `--checkpoint-every=${options.steps}`, "--log-every=10", "--threads=1", `--out=${aloneDir}`]);
const aloneRecord = lastRecord(aloneDir);
const aloneImagesPerSec = (options.steps * options.batch) / aloneRecord.seconds;
const start = bvae(["--version"]).seconds;

interface StudyMeasure {
  workers: number;
  seconds: number;
  runsPerHour: number;
  imagesPerSec: number;
  /** images/s summed over N one-thread workers, over N × one run alone */
  scaling: number;
  perRun: { seconds: number; train: number; trainingLoop: number; startAndSave: number; eval: number; figures: number };
}

const measures: StudyMeasure[] = [];
for (const workers of options.workers) {
  const dir = join(scratch, `study-${workers}`);
  const file = join(scratch, `study-${workers}.yaml`);
  writeFileSync(file, study(options.runs));
  const { seconds } = bvae(["sweep", file, `--out=${dir}`, `--workers=${workers}`, "--threads=1"]);
  const results = readdirSync(join(dir, "runs")).map((id) => ({
    result: JSON.parse(readFileSync(join(dir, "runs", id, "result.json"), "utf8")),
    loop: lastRecord(join(dir, "runs", id)).seconds,
  }));
  const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  const imagesPerSec = (options.runs * options.steps * options.batch) / seconds;
  measures.push({
    workers, seconds, runsPerHour: (3600 * options.runs) / seconds, imagesPerSec,
    scaling: imagesPerSec / (Math.min(workers, options.runs) * aloneImagesPerSec),
    perRun: {
      seconds: mean((r) => r.result.seconds), train: mean((r) => r.result.phases.train), trainingLoop: mean((r) => r.loop),
      startAndSave: mean((r) => r.result.phases.train - r.loop), eval: mean((r) => r.result.phases.eval), figures: mean((r) => r.result.phases.figures),
    },
  });
}
rmSync(scratch, { recursive: true, force: true });

console.log("\nStudy throughput (one thread per worker; images/s counts training images only, the study's wall time includes eval and figures):\n");
console.log(markdownTable(
  ["", "wall s", "runs/hour", "images/s", `vs N × one run (goal ≥ ${GOAL})`],
  [
    ["one run alone (bvae train, training loop)", fmt(aloneRecord.seconds), fmt(3600 / aloneRecord.seconds), fmt(aloneImagesPerSec), ""],
    ...measures.map((m) => [`study, ${m.workers} worker${m.workers > 1 ? "s" : ""}`, fmt(m.seconds), fmt(m.runsPerHour), fmt(m.imagesPerSec), `${ratio(m.scaling)} (${pct(m.scaling)})`]),
  ],
  ["left", "right", "right", "right", "right"],
));
console.log("\nPer-run cost in a study (mean seconds per run):\n");
console.log(markdownTable(
  ["workers", "run", "train command", "training loop", "start, setup, save", "eval", "figures"],
  measures.map((m) => [String(m.workers), fmt(m.perRun.seconds), fmt(m.perRun.train), fmt(m.perRun.trainingLoop), fmt(m.perRun.startAndSave), fmt(m.perRun.eval), fmt(m.perRun.figures)]),
  ["right", "right", "right", "right", "right", "right", "right"],
));
console.log(`\n\`bvae --version\` (node start and the CLI's load): ${fmt(start)} s`);

await writeJson(options.out, {
  benchmark: "sweep", date: new Date().toISOString(), machine: machineInfo(), loadAverage: os.loadavg(), options,
  alone: { seconds: aloneRecord.seconds, wallSeconds: alone.seconds, imagesPerSec: aloneImagesPerSec }, processStartSeconds: start, studies: measures,
});
console.log(`\nwrote ${options.out}`);
