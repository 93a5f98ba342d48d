// The local pool: N workers on this machine take a study's runs in order, each run in its own
// child processes (execute.ts). A stop (the signal) reaches every running run, which saves its
// checkpoint; the same study again skips what finished and continues the rest.
import { join } from "node:path";
import { FileError, ensureWritableDir, writeFileAtomic } from "../files";
import { isLockHeld, lockRunDir } from "../run-dir";
import { type RunOutcome, clearFailure, executeRun, readJson } from "./execute";
import { RUNS_DIR, type RunStatus, STUDY_FILE, type StudyRecord, remainingSteps, runStatus } from "./status";
import type { Study, StudyRun } from "./study-file";

/**
 * Makes `out` the study's directory: writable, and not another study's (a study of the same
 * name may grow: its new runs join the old ones). Writes DIR/study.json.
 */
export function openStudyDir(study: Study, out: string): void {
  ensureWritableDir(out);
  const path = join(out, STUDY_FILE);
  const kept = readJson<StudyRecord>(path);
  if (kept && kept.name !== study.name) throw new FileError(`${out} holds study '${kept.name}', not '${study.name}'; choose another --out`);
  const record: StudyRecord = { name: study.name, source: study.source, runs: study.runs };
  writeFileAtomic(path, JSON.stringify(record, null, 2) + "\n");
}

export interface PoolOptions {
  workers: number;
  /** --threads of each run's commands */
  threads: number;
  /** aborting it stops every running run, checkpointed, and starts no other */
  signal?: AbortSignal;
  /** run the failed runs again; `onRetry` hears of each, with the error it had failed with */
  retryFailed?: boolean;
  onRetry?(run: StudyRun, error: string): void;
  /** after every change of state and every progress report */
  onUpdate?(view: PoolView): void;
  onRunEnd?(run: StudyRun, outcome: RunOutcome): void;
}

export interface PoolView {
  runs: RunStatus[];
  /** seconds until every run is trained, at the speed the pool has made so far (null before it knows) */
  eta: number | null;
}

/** Runs the study in `out` on a pool of local workers; holds `out` so that one pool runs there at a time. */
export async function runLocalStudy(study: Study, out: string, options: PoolOptions): Promise<Map<string, RunOutcome>> {
  const lock = lockRunDir(out, () => {});
  try {
    openStudyDir(study, out);
    if (options.retryFailed) {
      for (const run of study.runs) {
        const error = clearFailure(join(out, RUNS_DIR, run.id));
        if (error !== null) options.onRetry?.(run, error);
      }
    }
    return await runPool(study.runs, out, options);
  } finally {
    lock.release();
  }
}

async function runPool(runs: StudyRun[], out: string, options: PoolOptions): Promise<Map<string, RunOutcome>> {
  const dirOf = (run: StudyRun) => join(out, RUNS_DIR, run.id);
  // Nothing of this pool runs yet: a run trained to its end whose evaluation was stopped waits
  // for a worker like any unfinished one (runStatus calls it running while a sweep evaluates it).
  const initial = (run: StudyRun): RunStatus => {
    const status = runStatus(run, dirOf(run), true);
    return status.state === "running" && !isLockHeld(dirOf(run)) ? { ...status, state: "queued" } : status;
  };
  const states = new Map(runs.map((run) => [run.id, initial(run)]));
  const startSteps = new Map([...states].map(([id, s]) => [id, s.step ?? 0]));
  const queue = runs.filter((run) => states.get(run.id)!.state === "queued");
  const outcomes = new Map<string, RunOutcome>();
  const started = performance.now();

  const view = (): PoolView => {
    const all = [...states.values()];
    const advanced = all.reduce((sum, s) => sum + Math.max(0, (s.step ?? 0) - startSteps.get(s.id)!), 0);
    const seconds = (performance.now() - started) / 1000;
    return { runs: all, eta: advanced > 0 ? remainingSteps(all) * seconds / advanced : null };
  };
  const update = (id: string, change: Partial<RunStatus>) => {
    Object.assign(states.get(id)!, change);
    options.onUpdate?.(view());
  };

  const worker = async () => {
    for (let run = queue.shift(); run && !options.signal?.aborted; run = queue.shift()) {
      update(run.id, { state: "running" });
      let outcome: RunOutcome;
      try {
        outcome = await executeRun(run, dirOf(run), {
          threads: options.threads, signal: options.signal,
          onProgress: ({ step }) => update(run!.id, { step }),
          onPhase: (phase) => update(run!.id, { phase }),
        });
      } catch (e) {
        if (!(e instanceof FileError)) throw e;
        outcome = { state: "failed", error: e.message }; // not kept in failed.json: the next sweep tries again
      }
      outcomes.set(run.id, outcome);
      delete states.get(run.id)!.phase;
      if (outcome.state === "done") update(run.id, { state: "done", step: outcome.result.steps });
      else if (outcome.state === "failed") update(run.id, { state: "failed", error: outcome.error });
      else update(run.id, { state: "stopped", step: outcome.step });
      options.onRunEnd?.(run, outcome);
    }
  };
  options.onUpdate?.(view());
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.workers, queue.length)) }, worker));
  return outcomes;
}
