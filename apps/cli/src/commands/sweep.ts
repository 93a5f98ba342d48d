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
import { type PoolView, runLocalStudy } from "../study/pool";
import { countStates, readStudyStatus, statusLines, studyEta } from "../study/status";
import { type Study, type StudyRun, parseStudy } from "../study/study-file";

export const SWEEP_FLAGS: FlagSpecs = {
  out: { type: "string", placeholder: "DIR", help: "the study's directory: DIR/study.json, and DIR/runs/<id>/ for each run" },
  workers: { type: "int", min: 1, max: 1024, help: `runs trained at once (default: one per core, ${availableParallelism()} here)` },
  threads: { ...(THREADS_FLAG as Extract<FlagSpec, { type: "int" }>), help: "threads of each run", default: 1 },
};

const USAGE = "usage: bvae sweep STUDY --out DIR [--workers N] [--threads T]\n       bvae sweep status DIR";
const SUMMARY = "Train, evaluate and draw every run of a study file (YAML or JSON: name, base, grid, seeds, eval) on a pool of local workers.\n"
  + "Ctrl-C stops the running runs with their checkpoints; the same command again continues the study.";

interface IO {
  out: (line: string) => void;
  err: NodeJS.WriteStream;
}

export async function sweep(argv: string[], io: IO): Promise<number> {
  if (argv[0] === "status") return status(argv.slice(1), io);
  const { operands, flags: flagArgs } = splitOperands(argv, SWEEP_FLAGS);
  const { flags, help } = parseFlags(flagArgs, SWEEP_FLAGS, "sweep");
  if (help) {
    io.out(helpText(USAGE, SUMMARY, SWEEP_FLAGS));
    return 0;
  }
  if (operands.length !== 1) throw new UsageError(`give one study file: ${USAGE.split("\n")[0].slice(7)}`);
  if (!flags.out) throw new UsageError("--out DIR is required: the study's directory");
  const study = readStudy(operands[0]);
  const out = resolve(flags.out as string);
  return runLocally(study, out, flags, io);
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

/** The whole study on one line: redrawn on a terminal, printed every 10 s elsewhere. */
class StudyView {
  private lastPrinted = 0;
  private line = "";
  constructor(private readonly stream: NodeJS.WriteStream, private readonly name: string, private readonly intervalMs = 10000) {}

  update(v: PoolView): void {
    const finished = v.runs.filter((r) => r.state === "done" || r.state === "failed").length;
    const running = v.runs.filter((r) => r.state === "running").map((r) => `${r.id.split("_").slice(0, -1).join(" ")} ${r.step ?? 0}/${r.steps}`);
    this.line = `study ${this.name} ${finished}/${v.runs.length} | ${countStates(v.runs)} | ETA ${v.eta === null ? "?" : formatDuration(v.eta)}`
      + (running.length ? ` | ${running.join(", ")}` : "");
    if (this.stream.isTTY) this.stream.write(`\r${this.line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
    else if (Date.now() - this.lastPrinted >= this.intervalMs) {
      this.stream.write(`${this.line}\n`);
      this.lastPrinted = Date.now();
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

async function status(argv: string[], io: IO): Promise<number> {
  const { operands, flags: flagArgs } = splitOperands(argv, {});
  const { help } = parseFlags(flagArgs, {}, "sweep status");
  if (help) {
    io.out(helpText("usage: bvae sweep status DIR", "Each run of the study in DIR: its state (done, running, queued, stopped, failed), step, ETA and error.", {}));
    return 0;
  }
  if (operands.length !== 1) throw new UsageError("give the study's directory: bvae sweep status DIR");
  const { study, runs } = readStudyStatus(resolve(operands[0]));
  for (const line of statusLines(study.name, runs, studyEta(runs))) io.out(line);
  return 0;
}
