// Where a study stands, read from its directory alone: DIR/study.json lists its runs, each
// run directory says how far it got (result.json, failed.json, its lock, checkpoint and log).
// `bvae sweep status DIR` prints it; the pool's progress view counts the same states.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FileError } from "../files";
import { formatColumns, formatDuration } from "../progress";
import { EVAL_FILE, METRICS_FILE, isLockHeld } from "../run-dir";
import { FAILED_FILE, RESULT_FILE, type RunPhase, type RunResult, STUDY_RUN_FILE, lastLoggedRecord, readJson } from "./execute";
import type { StudyRun } from "./study-file";

/** DIR/study.json: the study a sweep last ran in DIR. */
export const STUDY_FILE = "study.json";
export const RUNS_DIR = "runs";

export interface StudyRecord {
  name: string;
  source: string;
  runs: StudyRun[];
}

/**
 * done: result.json written; failed: failed.json written; running: its command holds the run
 * (or the sweep evaluates it); stopped: part-trained with no sweep running, the same command
 * continues it; queued: waiting for a worker.
 */
export type RunState = "done" | "failed" | "running" | "stopped" | "queued";
export const RUN_STATES: readonly RunState[] = ["done", "running", "queued", "stopped", "failed"];

export interface RunStatus {
  id: string;
  state: RunState;
  /** the last logged step (null before any) and the run's length */
  step: number | null;
  steps: number;
  /** training speed of a running run, from its last logged line */
  stepsPerSec: number | null;
  /** the command a running run is in */
  phase?: RunPhase;
  worker?: string;
  error?: string;
}

/** A run's state from its directory; `sweeping`: a sweep holds the study, so what is not trained is queued. */
export function runStatus(run: StudyRun, dir: string, sweeping: boolean): RunStatus {
  const steps = run.settings.steps as number;
  const result = readJson<RunResult>(join(dir, RESULT_FILE));
  if (result) return { id: run.id, state: "done", step: result.steps, steps, stepsPerSec: null, ...(result.worker ? { worker: result.worker } : {}) };
  const failed = readJson<{ error: string }>(join(dir, FAILED_FILE));
  const last = lastLoggedRecord(join(dir, METRICS_FILE));
  const step = last?.step ?? null;
  if (failed) return { id: run.id, state: "failed", step, steps, stepsPerSec: null, error: failed.error };
  const training = isLockHeld(dir);
  const stepsPerSec = training && last?.imagesPerSec ? last.imagesPerSec / (run.settings.batch as number) : null;
  const evaluating = !training && sweeping && step === steps;
  const state: RunState = training || evaluating ? "running" : step !== null && !sweeping ? "stopped" : "queued";
  // a trained run's eval.json is written once its evaluation ends; then it draws its figures
  const phase: RunPhase | null = training ? "train" : evaluating ? (readJson<{ step?: number }>(join(dir, EVAL_FILE))?.step === steps ? "figures" : "eval") : null;
  return { id: run.id, state, step, steps, stepsPerSec, ...(phase ? { phase } : {}) };
}

/** The study in `out` and every run's state. */
export function readStudyStatus(out: string): { study: StudyRecord; runs: RunStatus[]; sweeping: boolean } {
  const study = readJson<StudyRecord>(join(out, STUDY_FILE));
  if (!study) throw new FileError(`${out} holds no study (no ${STUDY_FILE}); bvae sweep STUDY --out ${out} starts one`);
  const sweeping = isLockHeld(out);
  const runs = [...study.runs];
  // runs of an earlier version of the study file stay in the directory
  const runsDir = join(out, RUNS_DIR);
  const listed = new Set(runs.map((r) => r.id));
  if (existsSync(runsDir)) {
    for (const id of readdirSync(runsDir).sort()) {
      const run = listed.has(id) ? null : readJson<StudyRun>(join(runsDir, id, STUDY_RUN_FILE));
      if (run) runs.push(run);
    }
  }
  return { study, runs: runs.map((run) => runStatus(run, join(runsDir, run.id), sweeping)), sweeping };
}

/** Steps still to train over the steps per second the running runs make together (null when none runs). */
export function studyEta(runs: RunStatus[]): number | null {
  const rate = runs.reduce((sum, r) => sum + (r.stepsPerSec ?? 0), 0);
  if (rate <= 0) return null;
  return remainingSteps(runs) / rate;
}

export function remainingSteps(runs: RunStatus[]): number {
  return runs.filter((r) => r.state !== "done" && r.state !== "failed").reduce((sum, r) => sum + r.steps - (r.step ?? 0), 0);
}

/** "3 done, 2 running, 7 queued, 0 failed" (stopped only when some are). */
export function countStates(runs: { state: RunState }[]): string {
  const count = (s: RunState) => runs.filter((r) => r.state === s).length;
  return RUN_STATES.filter((s) => s !== "stopped" || count(s) > 0).map((s) => `${count(s)} ${s}`).join(", ");
}

/** "running (eval)" for a run past its training, else the state. */
function stateLabel(r: RunStatus): string {
  return r.state === "running" && r.phase && r.phase !== "train" ? `${r.state} (${r.phase})` : r.state;
}

/** The status table: one row per run, then the study's line. */
export function statusLines(name: string, runs: RunStatus[], eta: number | null): string[] {
  const rows = runs.map((r) => [
    r.id, stateLabel(r), r.step === null ? "—" : `${r.step}/${r.steps}`,
    r.stepsPerSec ? formatDuration((r.steps - (r.step ?? 0)) / r.stepsPerSec) : "—",
    r.worker ?? "", r.error ?? "",
  ]);
  return [...formatColumns(["run", "state", "step", "ETA", "worker", "error"], rows),
    `study ${name}: ${countStates(runs)}${eta === null ? "" : `; ETA ${formatDuration(eta)}`}`];
}
