// bvae sweep: trains, evaluates and draws every run of a study file (a grid of settings ×
// seeds) on a pool of local workers, with one progress view for the whole study. Ctrl-C
// stops every running run with its checkpoint; the same command again continues: finished
// runs are skipped, the others resume. `bvae sweep status DIR` says where each run stands.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { type FlagSpec, type FlagSpecs, type ParsedFlags, UsageError, helpText, parseFlags, splitOperands } from "../args";
import { THREADS_FLAG } from "../backend";
import { readFileOrFail } from "../files";
import { formatDuration } from "../progress";
import { stopOnSignals } from "../stop-signals";
import type { RunOutcome } from "../study/execute";
import { type PoolView, openStudyDir, runLocalStudy } from "../study/pool";
import { enqueueStudy, followStudy, openQueue, queueStatus, redisTarget } from "../study/queue";
import { type RunStatus, countStates, readStudyStatus, statusLines, studyEta } from "../study/status";
import { type Study, type StudyRun, parseStudy } from "../study/study-file";

export const SWEEP_FLAGS: FlagSpecs = {
  out: { type: "string", placeholder: "DIR", help: "the study's directory: DIR/study.json, and DIR/runs/<id>/ for each run" },
  workers: { type: "int", min: 1, max: 1024, help: `runs trained at once (default: one per core, ${availableParallelism()} here)` },
  threads: { ...(THREADS_FLAG as Extract<FlagSpec, { type: "int" }>), help: "threads of each run", default: 1 },
  queue: { type: "string", placeholder: "URL", help: "enqueue the runs on Redis (redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS) for `bvae worker` on any machine that sees DIR, instead of running them here" },
  wait: { type: "bool", help: "with --queue: follow the study until every run has ended" },
  "retry-failed": { type: "bool", help: "run the study's failed runs again (from their checkpoints), removing their failed.json; the error stays in each run's study.log" },
};

const USAGE = "usage: bvae sweep STUDY --out DIR [--workers N] [--threads T] [--retry-failed]\n       bvae sweep status DIR\n"
  + "       bvae sweep STUDY --out DIR --queue URL [--wait] [--retry-failed]\n       bvae sweep status --queue URL";
const SUMMARY = "Train, evaluate and draw every run of a study file (YAML or JSON: name, base, grid, seeds, eval) on a pool of local workers.\n"
  + "Ctrl-C stops the running runs with their checkpoints; the same command again continues the study.";

interface IO {
  out: (line: string) => void;
  err: NodeJS.WriteStream;
}

export async function sweep(argv: string[], io: IO): Promise<number> {
  if (argv[0] === "status") return status(argv.slice(1), io);
  const { operands, flags: flagArgs } = splitOperands(argv, SWEEP_FLAGS);
  const { flags, help, given } = parseFlags(flagArgs, SWEEP_FLAGS, "sweep");
  if (help) {
    io.out(helpText(USAGE, SUMMARY, SWEEP_FLAGS));
    return 0;
  }
  if (operands.length !== 1) throw new UsageError(`give one study file: ${USAGE.split("\n")[0].slice(7)}`);
  if (!flags.out) throw new UsageError("--out DIR is required: the study's directory");
  if (flags.wait && !flags.queue) throw new UsageError("--wait follows a study on a queue: give --queue URL");
  const local = ["workers", "threads"].find((name) => given.has(name));
  if (flags.queue && local) throw new UsageError(`--${local} is for a local pool; with --queue, each bvae worker sets its own`);
  const study = readStudy(operands[0]);
  const out = resolve(flags.out as string);
  const retryFailed = flags["retry-failed"] === true;
  return flags.queue ? runOnQueue(study, out, flags.queue as string, { wait: flags.wait === true, retryFailed }, io) : runLocally(study, out, flags, io);
}

export function readStudy(path: string): Study {
  return parseStudy(new TextDecoder().decode(readFileOrFail(path, "study file")), path);
}

async function runLocally(study: Study, out: string, flags: ParsedFlags, io: IO): Promise<number> {
  const threads = flags.threads as number;
  const workers = (flags.workers as number | undefined) ?? Math.max(1, Math.floor(availableParallelism() / threads));
  const view = new StudyView(io.err, study.name);
  const stop = stopOnSignals(); // Ctrl-C, SIGTERM, SIGHUP: every running run saves and stops
  const started = performance.now();
  let outcomes: Map<string, RunOutcome>;
  try {
    let announced = false;
    outcomes = await runLocalStudy(study, out, {
      workers, threads, signal: stop.signal,
      retryFailed: flags["retry-failed"] === true,
      onRetry: (run, error) => io.out(`retrying ${run.id}, which failed: ${error}`),
      onUpdate: (v) => {
        if (!announced) {
          announced = true;
          const toRun = v.runs.filter((r) => r.state === "queued").length;
          io.out(`study ${study.name}: ${study.runs.length} runs (${countStates(v.runs)}); ${toRun === 0 ? "nothing to run" : `${Math.min(workers, toRun)} workers × ${threads} thread${threads > 1 ? "s" : ""}`}; ${out}`);
        }
        view.update(v);
      },
      onRunEnd: (run, outcome) => view.note(() => io.out(endLine(run, outcome))),
    });
  } finally {
    stop.dispose();
    view.done();
  }
  const ended = [...outcomes.values()];
  const count = (state: RunOutcome["state"]) => ended.filter((o) => o.state === state).length;
  const took = formatDuration((performance.now() - started) / 1000);
  if (stop.signal.aborted) {
    io.out(`stopped after ${took}: ${count("done")} runs finished, ${count("stopped")} checkpointed; the same command continues the study`);
    return 0;
  }
  if (ended.length > 0) io.out(`study ${study.name}: ${count("done")} runs finished, ${count("failed")} failed in ${took}; results in ${out}/runs/<id>/result.json`);
  return count("failed") > 0 ? 1 : 0;
}

/** Enqueues the study (nothing when Redis cannot be reached); with `wait`, follows it to the end. */
async function runOnQueue(study: Study, out: string, url: string, { wait, retryFailed }: { wait: boolean; retryFailed: boolean }, io: IO): Promise<number> {
  const queue = await openQueue(url);
  try {
    openStudyDir(study, out); // every worker resolves DIR, so it exists before a run is queued
    const { added, present, retried } = await enqueueStudy(queue, study, out, retryFailed);
    for (const { id, error } of retried) io.out(`retrying ${id}, which failed: ${error}`);
    io.out(`study ${study.name}: ${added} runs queued on ${redisTarget(url).where}${present ? `, ${present} already there` : ""}; ${out}`);
    if (!wait) {
      io.out(`on each machine that sees ${out}: bvae worker --queue URL --allow-root DIR; bvae sweep status --queue URL follows them`);
      return 0;
    }
    const view = new StudyView(io.err, study.name);
    const stop = stopOnSignals();
    let runs: RunStatus[];
    try {
      runs = await followStudy(queue, study.runs.map((r) => r.id), (v) => view.update(v), stop.signal);
    } finally {
      stop.dispose();
      view.done();
    }
    if (stop.signal.aborted) {
      io.out(`stopped following study ${study.name}; its runs go on (bvae sweep status --queue URL)`);
      return 0;
    }
    for (const r of runs) if (r.state === "failed") io.out(`failed  ${r.id}: ${r.error}`);
    const failed = runs.filter((r) => r.state === "failed").length;
    io.out(`study ${study.name}: ${runs.length - failed} runs finished, ${failed} failed; results in ${out}/runs/<id>/result.json`);
    return failed > 0 ? 1 : 0;
  } finally {
    await queue.close();
  }
}

function endLine(run: StudyRun, outcome: RunOutcome): string {
  switch (outcome.state) {
    case "done": {
      const r = outcome.result;
      const metrics = Object.entries(r.metrics).map(([name, score]) => `${name} ${score.toFixed(3)}`).join(", ");
      return `done    ${run.id}: recon ${r.recon.toFixed(2)}, KL ${r.kl.toFixed(2)}, ${r.activeLatents} active latents${metrics ? `, ${metrics}` : ""} (${formatDuration(r.seconds)})`;
    }
    case "failed": return `failed  ${run.id}: ${outcome.error}`;
    case "stopped": return `stopped ${run.id} ${outcome.step === null ? "before its first checkpoint" : `at step ${outcome.step}, checkpointed`}`;
  }
}

/**
 * The whole study on one line: redrawn on a terminal; elsewhere (a log file) printed when a run
 * changes state or command, and every 10 s as steps advance.
 */
class StudyView {
  private lastPrinted = 0;
  private lastStates = "";
  private line = "";
  constructor(private readonly stream: NodeJS.WriteStream, private readonly name: string, private readonly intervalMs = 10000) {}

  update(v: PoolView): void {
    const finished = v.runs.filter((r) => r.state === "done" || r.state === "failed").length;
    const active = v.runs.filter((r) => r.state === "running");
    const running = active.map((r) => `${r.id.split("_").slice(0, -1).join(" ")} ${r.step ?? 0}/${r.steps}${r.phase && r.phase !== "train" ? ` ${r.phase}` : ""}`);
    this.line = `study ${this.name} ${finished}/${v.runs.length} | ${countStates(v.runs)} | ETA ${v.eta === null ? "?" : formatDuration(v.eta)}`
      + (running.length ? ` | ${running.join(", ")}` : "");
    if (this.stream.isTTY) {
      this.stream.write(`\r${this.line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
      return;
    }
    const states = countStates(v.runs) + active.map((r) => `${r.id} ${r.phase ?? "train"}`).join();
    if (states !== this.lastStates || Date.now() - this.lastPrinted >= this.intervalMs) {
      this.stream.write(`${this.line}\n`);
      this.lastPrinted = Date.now();
      this.lastStates = states;
    }
  }

  /** Prints a line of its own (`print` writes it) above the redrawn one. */
  note(print: () => void): void {
    if (this.stream.isTTY) this.stream.write("\r\x1b[K");
    print();
    if (this.stream.isTTY) this.stream.write(this.line.slice(0, (this.stream.columns ?? 100) - 1));
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write("\r\x1b[K");
  }
}

const STATUS_FLAGS: FlagSpecs = { queue: SWEEP_FLAGS.queue };

async function status(argv: string[], io: IO): Promise<number> {
  const { operands, flags: flagArgs } = splitOperands(argv, STATUS_FLAGS);
  const { flags, help } = parseFlags(flagArgs, STATUS_FLAGS, "sweep status");
  if (help) {
    io.out(helpText("usage: bvae sweep status DIR | --queue URL", "Each run of the study in DIR, or of every study on a queue: its state (done, running, queued, stopped, failed), step, ETA, worker and error.", STATUS_FLAGS));
    return 0;
  }
  if (flags.queue) {
    if (operands.length > 0) throw new UsageError("give the study's directory or --queue URL, not both");
    return queueStatusLines(flags.queue as string, io);
  }
  if (operands.length !== 1) throw new UsageError("give the study's directory: bvae sweep status DIR (or --queue URL)");
  const { study, runs } = readStudyStatus(resolve(operands[0]));
  for (const line of statusLines(study.name, runs, studyEta(runs))) io.out(line);
  return 0;
}

async function queueStatusLines(url: string, io: IO): Promise<number> {
  const queue = await openQueue(url);
  try {
    const studies = await queueStatus(queue);
    if (studies.size === 0) io.out(`no runs on ${redisTarget(url).where}`);
    for (const [name, runs] of studies) for (const line of statusLines(name, runs, studyEta(runs))) io.out(line);
    return 0;
  } finally {
    await queue.close();
  }
}
