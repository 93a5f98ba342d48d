// A study's runs as the report reads them, from the run directories alone (DIR/runs/<id>/):
// study-run.json says which run it is (its grid values and seed), result.json what a finished
// run scored, failed.json why a run failed; a run with neither is unfinished, and its
// metrics.jsonl says how far it got. DIR/study.json, where a sweep wrote it, gives the order of
// grid values that are not numbers (objective bundles): the study file's.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ACTIVE_KL } from "@betavae/core";
import { METRIC_COLUMNS } from "@betavae/eval";
import { FileError } from "../files";
import { METRICS_FILE } from "../run-dir";
import { FAILED_FILE, RESULT_FILE, type RunResult, STUDY_RUN_FILE, lastLoggedStep, readJson } from "./execute";
import { RUNS_DIR, STUDY_FILE } from "./status";
import { formatGridValue } from "./study-file";

/** A finished run as the report shows it: what it scored (its result.json, with activeLatents recounted) and where it sits in the grid. */
export interface FinishedRun extends Pick<RunResult, "id" | "steps" | "recon" | "kl" | "klPerLatent" | "activeLatents" | "metrics"> {
  /** the run's value of every grid key */
  grid: Record<string, unknown>;
  seed: number;
  /** the grid values in words ("beta=4, size=0.1"): the run's setting */
  setting: string;
  /** the run's directory */
  dir: string;
}

export interface StudyRuns {
  /** the study's name (from the runs' study-run.json) */
  name: string;
  /** every grid key, in the order the runs list them */
  gridKeys: string[];
  /** metric columns (dci, dci_completeness, …), METRIC_COLUMNS order first */
  metrics: string[];
  /** settings in grid order (numbers ascending, other values as the study file lists them) */
  settings: string[];
  /** finished runs, by setting then seed */
  finished: FinishedRun[];
  failed: { id: string; setting: string; seed: number; error: string }[];
  /** step: the last logged step (null before the first) */
  unfinished: { id: string; setting: string; seed: number; step: number | null; steps: number | null }[];
  /** directories under runs/ without study-run.json */
  skipped: string[];
}

/** The runs under `dir`/runs; a directory without any is a FileError in one line. */
export function readStudyRuns(dir: string): StudyRuns {
  if (!existsSync(dir)) throw new FileError(`study directory ${dir} does not exist`);
  const runsDir = join(dir, RUNS_DIR);
  const ids = existsSync(runsDir) ? readdirSync(runsDir).filter((name) => statSync(join(runsDir, name)).isDirectory()).sort() : [];
  const runs: StudyRuns = { name: "", gridKeys: [], metrics: [], settings: [], finished: [], failed: [], unfinished: [], skipped: [] };
  const described: { id: string; grid: Record<string, unknown>; seed: number; settings: Record<string, unknown>; runDir: string }[] = [];
  for (const id of ids) {
    const runDir = join(runsDir, id);
    if (!existsSync(join(runDir, STUDY_RUN_FILE))) {
      runs.skipped.push(id);
      continue;
    }
    const where = join(runDir, STUDY_RUN_FILE);
    const run = readJsonObject(where);
    const grid = field(run, "grid", "object", where) as Record<string, unknown>;
    runs.name ||= String(run.study ?? "");
    for (const key of Object.keys(grid)) if (!runs.gridKeys.includes(key)) runs.gridKeys.push(key);
    described.push({ id, grid, seed: field(run, "seed", "number", where) as number, settings: (run.settings ?? {}) as Record<string, unknown>, runDir });
  }
  if (described.length === 0) {
    throw new FileError(`${runsDir} holds no runs: nothing to report (bvae sweep STUDY --out ${dir} writes them)`);
  }
  const settingOf = (grid: Record<string, unknown>) => settingLabel(runs.gridKeys, grid);
  const order = valueOrder(dir);
  const byGrid = [...described].sort((a, b) => compareGrid(runs.gridKeys, a.grid, b.grid, order) || a.seed - b.seed || (a.id < b.id ? -1 : 1));
  for (const r of byGrid) if (!runs.settings.includes(settingOf(r.grid))) runs.settings.push(settingOf(r.grid));

  for (const { id, grid, seed, settings, runDir } of byGrid) {
    const setting = settingOf(grid);
    if (existsSync(join(runDir, RESULT_FILE))) {
      const result = readJsonObject(join(runDir, RESULT_FILE));
      const where = join(runDir, RESULT_FILE);
      const klPerLatent = field(result, "klPerLatent", "number[]", where) as number[];
      const metrics = field(result, "metrics", "object", where) as Record<string, number>;
      for (const [name, score] of Object.entries(metrics)) {
        if (typeof score !== "number") throw new FileError(`${where}: metric ${name} is not a number`);
        if (!runs.metrics.includes(name)) runs.metrics.push(name);
      }
      runs.finished.push({
        id, grid, seed, setting, dir: runDir, klPerLatent, metrics,
        steps: field(result, "steps", "number", where) as number,
        recon: field(result, "recon", "number", where) as number,
        kl: field(result, "kl", "number", where) as number,
        activeLatents: klPerLatent.filter((kl) => kl > ACTIVE_KL).length,
      });
    } else if (existsSync(join(runDir, FAILED_FILE))) {
      runs.failed.push({ id, setting, seed, error: String(readJsonObject(join(runDir, FAILED_FILE)).error ?? "(no error recorded)") });
    } else {
      runs.unfinished.push({ id, setting, seed, step: lastLoggedStep(join(runDir, METRICS_FILE)), steps: typeof settings.steps === "number" ? settings.steps : null });
    }
  }
  const known = METRIC_COLUMNS;
  runs.metrics.sort((a, b) => (known.includes(a) ? known.indexOf(a) : known.length) - (known.includes(b) ? known.indexOf(b) : known.length) || (a < b ? -1 : 1));
  return runs;
}

/** "beta=4, size=0.1"; a bundle stands for itself: "objective=tcvae beta=6". */
function settingLabel(keys: readonly string[], grid: Record<string, unknown>): string {
  if (keys.length === 0) return "all runs";
  return keys.map((k) => (!(k in grid) ? `${k}=—` : typeof grid[k] === "object" ? formatGridValue(grid[k]) : `${k}=${formatGridValue(grid[k])}`)).join(", ");
}

/** Grid order: key by key, numbers ascending, then everything else as text. */
/** Each grid key's values (as formatGridValue writes them) in the order DIR/study.json's runs first show them; empty without one. */
function valueOrder(dir: string): Map<string, Map<string, number>> {
  const order = new Map<string, Map<string, number>>();
  const study = readJson<{ runs?: unknown }>(join(dir, STUDY_FILE));
  if (!Array.isArray(study?.runs)) return order;
  for (const run of study.runs as { grid?: Record<string, unknown> }[]) {
    for (const [key, value] of Object.entries(run?.grid ?? {})) {
      const seen = order.get(key) ?? order.set(key, new Map()).get(key)!;
      if (!seen.has(formatGridValue(value))) seen.set(formatGridValue(value), seen.size);
    }
  }
  return order;
}

/** Numbers ascending; other values in the study file's order, then as text. */
function compareGrid(keys: readonly string[], a: Record<string, unknown>, b: Record<string, unknown>, order: Map<string, Map<string, number>>): number {
  for (const k of keys) {
    const x = a[k], y = b[k];
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x - y;
      continue;
    }
    const fx = formatGridValue(x), fy = formatGridValue(y);
    if (fx === fy) continue;
    const ix = order.get(k)?.get(fx) ?? Infinity, iy = order.get(k)?.get(fy) ?? Infinity;
    if (ix !== iy) return ix - iy;
    return fx < fy ? -1 : 1;
  }
  return 0;
}

/** A run file's JSON object (the caller has seen that the file exists). */
function readJsonObject(path: string): Record<string, unknown> {
  const value = readJson<unknown>(path);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FileError(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

function field(object: Record<string, unknown>, name: string, kind: "number" | "object" | "number[]", where: string): unknown {
  const value = object[name];
  const ok = kind === "number" ? typeof value === "number"
    : kind === "object" ? typeof value === "object" && value !== null && !Array.isArray(value)
    : Array.isArray(value) && value.every((v) => typeof v === "number");
  if (!ok) throw new FileError(`${where} lacks ${name} (${kind === "number[]" ? "a list of numbers" : `a${kind === "object" ? "n" : ""} ${kind}`})`);
  return value;
}
