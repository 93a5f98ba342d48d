// One run of a study, start to end: `bvae train` (fresh, or --resume from its checkpoint), then
// `bvae eval`, then `bvae figures --run`, each a child process of the bvae binary. The child
// is the sandbox: a busy training step never blocks the caller's event loop (a pool's
// progress view, a queue worker's lock renewal), and the run directory's lock, signal
// handling and kept settings apply as they do on the command line. A stop is a signal to the
// child, which saves its checkpoint; the next call continues from it.
//
// The run directory holds, besides what the commands write:
//   study-run.json  the StudyRun, written before training
//   result.json     written once, atomically, when train, eval and figures all succeeded
//   failed.json     the one line of a real failure (a bad setting, a non-finite loss)
//   study.log       what the commands printed
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ACTIVE_KL, decodeCheckpoint } from "@betavae/core";
import { metricColumns } from "@betavae/eval";
import { FileError, ensureWritableDir, writeFileAtomic } from "../files";
import { readMetrics } from "../metrics-log";
import { CHECKPOINT_FILE, EVAL_FILE, LOCK_FILE, METRICS_FILE, RUN_FILES, createExclusive, isLockHeld } from "../run-dir";
import { PARENT_PID_ENV } from "../stop-signals";
import type { StudyRun } from "./study-file";

export const STUDY_RUN_FILE = "study-run.json";
export const RESULT_FILE = "result.json";
export const FAILED_FILE = "failed.json";
export const LOG_FILE = "study.log";

/** The bvae binary, beside the sources (src/study/) and the bundle (dist/bin/) alike. */
export const BVAE_BIN = fileURLToPath(new URL("../../bin/bvae.mjs", import.meta.url));

/** The run's commands, in order: train, then evaluate the checkpoint, then draw its figures. */
export type RunPhase = "train" | "eval" | "figures";

/** What a finished run scored: result.json. */
export interface RunResult {
  id: string;
  steps: number;
  /** the last logged step's reconstruction NLL and KL, nats per image */
  recon: number;
  kl: number;
  klPerLatent: number[];
  /** latents whose last logged KL is above ACTIVE_KL (0.1 nats) */
  activeLatents: number;
  /** report column → value, from eval.json: each metric's score under its name, and its extra fields (dci_completeness, …) */
  metrics: Record<string, number>;
  /** wall time of the call that finished the run, and of its phases */
  seconds: number;
  phases: Record<RunPhase, number>;
  worker?: string;
}

export type RunOutcome =
  | { state: "done"; result: RunResult }
  | { state: "failed"; error: string }
  /** stopped by the signal: the checkpoint (if any was saved) holds `step` */
  | { state: "stopped"; step: number | null };

export interface ExecuteOptions {
  /** --threads of every command */
  threads: number;
  /** aborting it stops the run: its command is sent SIGTERM and saves what it can */
  signal?: AbortSignal;
  /** the last logged training step, now and then */
  onProgress?(p: { step: number; steps: number }): void;
  /** at the start of each of the run's commands */
  onPhase?(phase: RunPhase): void;
  /** who runs it (a queue worker's name), kept in result.json */
  worker?: string;
}

/** `--name=value` for every setting: never a shell string, and a value cannot pass for a flag. */
export function settingsArgs(settings: Record<string, unknown>): string[] {
  return Object.entries(settings).map(([k, v]) => (v === true ? `--${k}` : `--${k}=${String(v)}`));
}

export async function executeRun(run: StudyRun, dir: string, options: ExecuteOptions): Promise<RunOutcome> {
  const finished = readJson<RunResult>(join(dir, RESULT_FILE));
  if (finished) return { state: "done", result: finished };
  const failed = readJson<{ error: string }>(join(dir, FAILED_FILE));
  if (failed) return { state: "failed", error: failed.error };
  ensureWritableDir(dir);
  const kept = readJson<StudyRun>(join(dir, STUDY_RUN_FILE));
  if (kept && kept.id !== run.id) throw new FileError(`${dir} holds run ${kept.id}, not ${run.id}`);
  if (!kept) writeFileAtomic(join(dir, STUDY_RUN_FILE), JSON.stringify(run, null, 2) + "\n");

  const steps = run.settings.steps as number;
  const threads = `--threads=${options.threads}`;
  const checkpoint = join(dir, CHECKPOINT_FILE);
  const started = performance.now();
  const phases: Record<RunPhase, number> = { train: 0, eval: 0, figures: 0 };
  const phase = async (name: RunPhase, args: string[]): Promise<RunOutcome | null> => {
    options.onPhase?.(name);
    const t = performance.now();
    const end = await command(args, dir, options, name === "train" ? steps : null);
    phases[name] = (performance.now() - t) / 1000;
    if (options.signal?.aborted) return { state: "stopped", step: checkpointStep(checkpoint) };
    if (end.code === 0) return null;
    // killed by a signal, or exited at a second one: stopped, not failed (the checkpoint stands)
    if (end.code === null || end.code > 128) return { state: "stopped", step: checkpointStep(checkpoint) };
    const error = `${name}: ${end.error}`;
    writeFileAtomic(join(dir, FAILED_FILE), JSON.stringify({ id: run.id, phase: name, exitCode: end.code, error, at: new Date().toISOString() }, null, 2) + "\n");
    return { state: "failed", error };
  };

  if (options.signal?.aborted) return { state: "stopped", step: checkpointStep(checkpoint) };
  // not a failure of the run: another process trains it (`bvae train` takes over a dead one's lock)
  if (isLockHeld(dir)) throw new FileError(`${dir} is in use by another process (${join(dir, LOCK_FILE)})`);
  if (!existsSync(checkpoint)) removeUnsavedRun(dir);
  const train = await phase("train", ["train", ...(existsSync(checkpoint) ? ["--resume"] : []), ...settingsArgs(run.settings), `--out=${dir}`, threads]);
  if (train) return train;
  const trained = checkpointStep(checkpoint);
  if (trained === null || trained < steps) return { state: "stopped", step: trained }; // its command was stopped by someone else

  const evaluated = readJson<{ step?: number }>(join(dir, EVAL_FILE));
  if (evaluated?.step !== trained) {
    const evaluation = await phase("eval", ["eval", `--checkpoint=${checkpoint}`, `--out=${dir}`, ...settingsArgs(run.eval), threads]);
    if (evaluation) return evaluation;
  }
  const figures = await phase("figures", ["figures", `--run=${dir}`, `--backend=${run.settings.backend}`, threads]);
  if (figures) return figures;

  const result = resultOf(run, dir, { seconds: (performance.now() - started) / 1000, phases, worker: options.worker });
  // once: a run another process finished first keeps that process's result
  if (!createExclusive(join(dir, RESULT_FILE), JSON.stringify(result, null, 2) + "\n")) return { state: "done", result: readJson<RunResult>(join(dir, RESULT_FILE))! };
  return { state: "done", result };
}

function resultOf(run: StudyRun, dir: string, timing: Pick<RunResult, "seconds" | "phases" | "worker">): RunResult {
  const records = readMetrics(join(dir, METRICS_FILE));
  const last = records[records.length - 1];
  const evaluation = readJson<{ results: { metric: string; score: number }[] }>(join(dir, EVAL_FILE));
  if (!evaluation) throw new FileError(`${join(dir, EVAL_FILE)} is missing after bvae eval succeeded`);
  return {
    id: run.id, steps: last.step, recon: last.recon, kl: last.kl, klPerLatent: last.klPerLatent,
    activeLatents: last.klPerLatent.filter((kl) => kl > ACTIVE_KL).length,
    metrics: Object.assign({}, ...evaluation.results.map(metricColumns)),
    seconds: timing.seconds, phases: timing.phases, ...(timing.worker ? { worker: timing.worker } : {}),
  };
}

/**
 * A run stopped before its first checkpoint left a log and settings but nothing to resume:
 * they go, so it starts afresh.
 */
function removeUnsavedRun(dir: string): void {
  for (const name of RUN_FILES) if (existsSync(join(dir, name))) unlinkSync(join(dir, name));
}

/**
 * Forgets the run's recorded failure, so the next sweep runs it again (from its checkpoint, if
 * it has one); its study.log keeps the error. Returns the error, or null if it had not failed.
 */
export function clearFailure(dir: string): string | null {
  const failed = readJson<{ error?: string }>(join(dir, FAILED_FILE));
  if (!failed) return null;
  unlinkSync(join(dir, FAILED_FILE));
  return String(failed.error ?? "(no error recorded)");
}

/** Runs one bvae command in `dir`'s log; resolves with its exit code and, on failure, its one error line. */
function command(args: string[], dir: string, options: ExecuteOptions, steps: number | null): Promise<{ code: number | null; error: string }> {
  const log = join(dir, LOG_FILE);
  appendFileSync(log, `$ bvae ${args.join(" ")}\n`);
  const from = statSync(log).size;
  // The child writes the log itself, so what it prints after its caller died (an orphan's
  // "interrupted … checkpoint saved") is kept. Its own process group: a Ctrl-C at the terminal
  // reaches the caller, which stops the child once.
  const output = openSync(log, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [BVAE_BIN, ...args], {
      stdio: ["ignore", output, output], detached: true, env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
    });
  } finally {
    closeSync(output);
  }
  const stop = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", stop, { once: true });
  // the caller leaving (a second Ctrl-C, an error) stops the child too: it saves, or after a first stop, exits at once
  process.on("exit", stop);
  const metrics = join(dir, METRICS_FILE);
  const watch = steps !== null && options.onProgress ? setInterval(() => {
    const step = lastLoggedStep(metrics);
    if (step !== null) options.onProgress!({ step, steps });
  }, 500) : null;
  return new Promise((resolve) => {
    const done = (code: number | null, error: string) => {
      options.signal?.removeEventListener("abort", stop);
      process.off("exit", stop);
      if (watch) clearInterval(watch);
      resolve({ code, error });
    };
    child.on("error", (e) => done(null, `cannot start ${BVAE_BIN}: ${e.message}`));
    child.on("close", (code, signal) => done(code, code === 0 ? "" : errorLine(logTail(log, from)) ?? `bvae ${args[0]} ended by ${signal ?? `exit code ${code}`}`));
  });
}

/** The last 8 KiB a command wrote to `log` from byte `from` on. */
function logTail(log: string, from: number): string {
  const fd = openSync(log, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - 8192);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The line a failed bvae command printed last ("bvae train: ..."), or its last line. */
function errorLine(output: string): string | null {
  const lines = output.split(/\r|\n/).map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => l.startsWith("bvae ")) ?? lines[lines.length - 1] ?? null;
}

/** The step of a run's checkpoint, or null when it has none. */
export function checkpointStep(path: string): number | null {
  if (!existsSync(path)) return null;
  return decodeCheckpoint(new Uint8Array(readFileSync(path))).state.step;
}

/** The step of metrics.jsonl's last complete line (its tail alone is read), or null. */
export function lastLoggedStep(path: string): number | null {
  return lastLoggedRecord(path)?.step ?? null;
}

/** The last complete line of metrics.jsonl, parsed (its tail alone is read), or null. */
export function lastLoggedRecord(path: string): { step: number; imagesPerSec?: number; seconds?: number } | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16384);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString("utf8").split("\n");
    for (let i = lines.length - 2; i >= 0; i--) { // the piece after the last newline may be torn
      try {
        const record = JSON.parse(lines[i]);
        if (Number.isInteger(record?.step)) return record;
      } catch {
        // the first piece of the tail may start mid-line
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A JSON file's value, or null when it does not exist. */
export function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new FileError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new FileError(`${path} is not JSON`);
  }
}
