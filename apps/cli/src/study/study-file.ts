// A study file: a grid of `bvae train` settings × seeds, each run scored by `bvae eval`.
// YAML or JSON (YAML is a superset), read with the `yaml` package:
//
//   name: blobs-beta
//   base: { dataset: blobs, objective: beta, steps: 3000, lr: 0.0005 }
//   grid: { beta: [1, 4, 16, 64] }
//   seeds: [1, 2, 3]
//   eval: { metrics: [mig], samples: 10000 }
//
// Every value is checked by the flag specs of the command it goes to, so a study fails the
// way a command line would, in one line naming the place in the file. Every run's settings
// are resolved (defaults included) and named by a stable id: same settings, same id.
import { createHash } from "node:crypto";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { type FlagSpecs, type ParsedFlags, UsageError, parseFlags } from "../args";
import { EVAL_FLAGS, parseMetrics } from "../commands/eval";
import { TRAIN_FLAGS } from "../commands/train";
import { ObjectiveError, objectiveFromSettings, validateObjective } from "@betavae/core";
import { refuseInapplicable, settingsOf, withObjectiveDefaults } from "../train-settings";

export class StudyError extends Error {
  override name = "StudyError";
}

export type SettingValue = string | number | boolean;
/** A grid value: one setting's value, or under a key that is not a setting, a bundle of settings. */
export type GridValue = SettingValue | Record<string, SettingValue>;

/** One run of a study: everything a worker needs to train, score and name it. */
export interface StudyRun {
  /** stable from settings and eval: a readable prefix (grid values, seed) and 12 hex of their sha256 */
  id: string;
  /** the study's name */
  study: string;
  /** resolved `bvae train` settings, flag name → value, seed included (never --out, --threads) */
  settings: Record<string, SettingValue>;
  /** this run's value of every grid key (a bundle of settings under a key that is not a setting) */
  grid: Record<string, GridValue>;
  seed: number;
  /** resolved `bvae eval` settings (metrics as a comma-separated list) */
  eval: Record<string, unknown>;
}

export interface Study {
  name: string;
  /** where the study was read from (messages name it) */
  source: string;
  gridKeys: string[];
  seeds: number[];
  /** the grid's product × seeds, grid order first, seeds innermost */
  runs: StudyRun[];
}

/** Where and how a run is, not what it is: the pool and the worker decide these. */
const NOT_STUDY_TRAIN = ["out", "resume", "preset", "threads", "seed"];
const NOT_STUDY_EVAL = ["checkpoint", "encoder", "dataset", "init-seed", "out", "threads"];
const without = (specs: FlagSpecs, names: string[]): FlagSpecs => Object.fromEntries(Object.entries(specs).filter(([k]) => !names.includes(k)));
const STUDY_TRAIN_FLAGS = without(TRAIN_FLAGS, NOT_STUDY_TRAIN);
const STUDY_EVAL_FLAGS = without(EVAL_FLAGS, NOT_STUDY_EVAL);
const SEED_SPEC = TRAIN_FLAGS.seed;
const TOP_KEYS = ["name", "base", "grid", "seeds", "eval"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses and validates a study; `source` is its path (relative data files are found beside it). */
export function parseStudy(text: string, source: string): Study {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (e) {
    if (e instanceof YAMLParseError) throw new StudyError(`${source}: not YAML or JSON: ${e.message.split("\n")[0]}`);
    throw e;
  }
  const fail = (message: string): never => {
    throw new StudyError(`${source}: ${message}`);
  };
  if (!isRecord(doc)) fail("a study is a mapping with name, base, grid, seeds and eval");
  const study = doc as Record<string, unknown>;
  const extra = Object.keys(study).find((k) => !TOP_KEYS.includes(k));
  if (extra !== undefined) fail(`unknown key '${extra}' (a study has ${TOP_KEYS.join(", ")})`);
  const name = study.name;
  if (typeof name !== "string" || name.trim() === "") fail("name must be a non-empty string");

  const base = study.base ?? {};
  if (!isRecord(base)) fail("base must be a mapping of bvae train settings");
  const baseSettings: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(base as Record<string, unknown>)) baseSettings[key] = trainValue(key, value, `${source}: base.${key}`, source);

  const grid = study.grid ?? null;
  if (grid !== null && !isRecord(grid)) fail("grid must be a mapping of bvae train settings to lists of values");
  const gridKeys = Object.keys(grid ?? {});
  if (grid !== null && gridKeys.length === 0) fail("grid has no settings; leave it out to train base alone for every seed");
  /** which grid key sets each train setting, so no two places set one */
  const setBy = new Map<string, string>(Object.keys(baseSettings).map((k) => [k, "base"]));
  const claim = (flag: string, owner: string) => {
    const other = setBy.get(flag);
    if (other !== undefined && other !== owner) fail(`${flag} is in both ${other} and ${owner}; keep it in one`);
    setBy.set(flag, owner);
  };
  const gridValues: GridValue[][] = gridKeys.map((key) => {
    const list = (grid as Record<string, unknown>)[key];
    if (!Array.isArray(list)) fail(`grid.${key} must be a list of values`);
    if ((list as unknown[]).length === 0) fail(`grid.${key} is an empty list: the study would have no runs`);
    const at = (i: number) => `${source}: grid.${key}[${i}]`;
    let values: GridValue[];
    if (isBundleKey(key)) {
      values = (list as unknown[]).map((item, i) => {
        if (!isRecord(item) || Object.keys(item).length === 0) {
          fail(`grid.${key}[${i}] must be a mapping of bvae train settings: '${key}' is not a bvae train setting, so grid.${key} lists bundles of them, `
            + `e.g. { objective: beta, beta: 4 } (settings: ${Object.keys(STUDY_TRAIN_FLAGS).join(", ")})`);
        }
        return Object.fromEntries(Object.entries(item as Record<string, unknown>).map(([flag, v]) => {
          claim(flag, `grid.${key}`);
          return [flag, trainValue(flag, v, `${at(i)}.${flag}`, source)];
        }));
      });
    } else {
      claim(key, "grid");
      values = (list as unknown[]).map((v, i) => trainValue(key, v, at(i), source));
    }
    const twice = values.findIndex((v, i) => values.findIndex((w) => canonicalJson(w) === canonicalJson(v)) !== i);
    if (twice >= 0) fail(`grid.${key} lists ${formatGridValue(values[twice])} twice`);
    return values;
  });

  const seeds = seedList(study.seeds, source);
  const evalSettings = evalValues(study.eval ?? {}, source);

  const runs: StudyRun[] = [];
  const pointBySettings = new Map<string, string>();
  for (const point of product(gridValues)) {
    const gridPoint = Object.fromEntries(gridKeys.map((k, i) => [k, point[i]]));
    // bundles can differ as written and agree once defaults fill them ({ beta: 4 } and {})
    const label = gridKeys.map((k, i) => formatGridValue(point[i])).join(", ");
    for (const seed of seeds) {
      const run = resolveRun(name as string, { ...baseSettings, ...gridSettings(gridPoint) }, gridPoint, seed, evalSettings, source);
      const settings = canonicalJson(run.settings);
      const same = pointBySettings.get(settings);
      if (same !== undefined) fail(`grid points (${same}) and (${label}) are the same run once defaults are filled in`);
      pointBySettings.set(settings, label);
      runs.push(run);
    }
  }
  return { name: name as string, source, gridKeys, seeds, runs };
}

/**
 * Re-validates a run that came from outside (a queue job): an object of the StudyRun shape,
 * only known flags with values in range, its grid and seed agreeing with its settings, and
 * its id the one its settings give (so the id is also a safe directory name). With `roots`,
 * a data file must lie under one of them. Throws StudyError.
 */
export function validateRun(run: unknown, roots?: readonly string[]): StudyRun {
  const where = "run";
  if (!isRecord(run)) throw new StudyError(`${where}: not a study run (an object with id, study, settings, grid, seed, eval)`);
  const { id, study, settings, grid, seed, eval: evalRaw } = run;
  if (typeof id !== "string") throw new StudyError(`${where}: id must be a string`);
  const here = `run ${JSON.stringify(id).slice(0, 80)}`;
  if (typeof study !== "string" || study.trim() === "") throw new StudyError(`${here}: study must be a non-empty string`);
  if (!isRecord(settings)) throw new StudyError(`${here}: settings must be an object`);
  if (!isRecord(grid)) throw new StudyError(`${here}: grid must be an object`);
  if (!isRecord(evalRaw)) throw new StudyError(`${here}: eval must be an object`);
  const checked: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key === "seed") continue;
    checked[key] = trainValue(key, value, `${here}: settings.${key}`, null);
  }
  const [runSeed] = seedList([seed], here);
  if (settings.seed !== runSeed) throw new StudyError(`${here}: settings.seed ${String(settings.seed)} is not the run's seed ${runSeed}`);
  for (const [key, value] of Object.entries(grid)) {
    const bundle = isBundleKey(key);
    if (bundle !== isRecord(value)) throw new StudyError(`${here}: grid.${key} must be ${bundle ? "a bundle of settings" : "a single value"}`);
    const entries = bundle ? Object.entries(value as Record<string, unknown>) : [[key, value] as const];
    for (const [flag, v] of entries) {
      if (!(flag in checked) || checked[flag] !== trainValue(flag, v, `${here}: grid.${key}`, null)) {
        throw new StudyError(`${here}: grid.${key} is not the run's setting`);
      }
    }
  }
  const resolved = resolveRun(study, checked, grid as Record<string, GridValue>, runSeed, evalValues(evalRaw, here), null);
  if (canonicalJson(resolved.settings) !== canonicalJson({ ...checked, seed: runSeed })) {
    throw new StudyError(`${here}: settings are not complete (a run carries every train setting, defaults included)`);
  }
  if (resolved.id !== id) throw new StudyError(`${here}: the id does not match its settings (expected ${resolved.id})`);
  for (const [key, what] of Object.entries(PATH_SETTINGS)) {
    const path = resolved.settings[key];
    if (roots && typeof path === "string" && !roots.some((root) => isInside(path, root))) {
      throw new StudyError(`${here}: ${what} ${path} is outside the allowed roots (${roots.join(", ")})`);
    }
  }
  return resolved;
}

/** Whether `path` is `root` or lies below it. */
export function isInside(path: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Settings that name a path, and what it is for messages. */
const PATH_SETTINGS: Record<string, string> = { "data-file": "data file", "data-dir": "image folder", cache: "image cache" };

/**
 * One setting checked by its `bvae train` flag spec; `at` says where it stands in messages.
 * A relative path (data file, image folder, cache) is found beside `studyFile`; a run from
 * outside (null) names it absolutely.
 */
function trainValue(key: string, value: unknown, at: string, studyFile: string | null): SettingValue {
  const v = flagValue(STUDY_TRAIN_FLAGS, key, value, at, "train");
  if (PATH_SETTINGS[key] && typeof v === "string") {
    if (studyFile !== null) return resolve(dirname(studyFile), v);
    if (!isAbsolute(v)) throw new StudyError(`${at}: a run's ${PATH_SETTINGS[key]} must be an absolute path, got ${v}`);
  }
  return v;
}

function flagValue(specs: FlagSpecs, key: string, value: unknown, at: string, command: string): SettingValue {
  const spec = specs[key];
  if (!spec) {
    const why = TRAIN_FLAGS[key] || EVAL_FLAGS[key] ? "is set by bvae sweep, not by a study" : `is not a bvae ${command} setting`;
    throw new StudyError(`${at}: unknown setting '${key}': it ${why} (settings: ${Object.keys(specs).join(", ")})`);
  }
  if (value === null || typeof value === "object") throw new StudyError(`${at}: ${key} must be a single value, got ${JSON.stringify(value)}`);
  if (spec.type === "bool") {
    if (typeof value !== "boolean") throw new StudyError(`${at}: ${key} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  try {
    return parseFlags([`--${key}=${String(value)}`], { [key]: spec }, command).flags[key] as SettingValue;
  } catch (e) {
    if (e instanceof UsageError) throw new StudyError(`${at}: ${e.message}`);
    throw e;
  }
}

/** `at` says where the list stands in messages. */
function seedList(raw: unknown, at: string): number[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new StudyError(`${at}: seeds must be a non-empty list of integers, e.g. [1, 2, 3]`);
  const seeds = raw.map((s, i) => {
    if (typeof s !== "number") throw new StudyError(`${at}: seeds[${i}] must be an integer, got ${JSON.stringify(s)}`);
    return flagValue({ seed: SEED_SPEC }, "seed", s, `${at}: seeds[${i}]`, "train") as number;
  });
  const twice = seeds.findIndex((s, i) => seeds.indexOf(s) !== i);
  if (twice >= 0) throw new StudyError(`${at}: seeds lists ${seeds[twice]} twice`);
  return seeds;
}

/** The eval settings, resolved: metrics as a validated comma-separated list, defaults filled in. */
function evalValues(raw: unknown, source: string): Record<string, SettingValue> {
  const where = (key: string) => `${source}: eval.${key}`;
  if (!isRecord(raw)) throw new StudyError(`${source}: eval must be a mapping of bvae eval settings`);
  const given: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "metrics" && Array.isArray(value)) {
      if (value.some((m) => typeof m !== "string")) throw new StudyError(`${source}: eval.metrics must list metric names`);
      given.metrics = flagValue(STUDY_EVAL_FLAGS, key, value.join(","), where(key), "eval");
    } else given[key] = flagValue(STUDY_EVAL_FLAGS, key, value, where(key), "eval");
  }
  const { flags } = parseFlags([], STUDY_EVAL_FLAGS, "eval");
  const resolved = { ...flags, ...given };
  try {
    resolved.metrics = parseMetrics(resolved.metrics as string | undefined).join(",");
  } catch (e) {
    if (e instanceof UsageError) throw new StudyError(`${source}: eval.metrics: ${e.message.replace(/^--metrics:? /, "")}`);
    throw e;
  }
  return defined(resolved);
}

/** A run's settings with every default filled in, checked together as `bvae train` checks them, and named. */
function resolveRun(study: string, given: Record<string, SettingValue>, grid: Record<string, GridValue>, seed: number, evalSettings: Record<string, SettingValue>, source: string | null): StudyRun {
  const label = Object.entries(grid).map(([k, v]) => (isRecord(v) ? formatGridValue(v) : `${k} ${v}`)).concat(`seed ${seed}`).join(", ");
  const at = source === null ? `run (${label})` : `${source}: run (${label})`;
  const { flags: defaults } = parseFlags([], STUDY_TRAIN_FLAGS, "train");
  // the objective's settings are checked by the kind itself, as bvae train checks them; a dataset-size default waits for bvae train to open the dataset
  const flags = withObjectiveDefaults({ ...defaults, ...given, seed });
  const objective = objectiveFromSettings(flags.objective as string, flags);
  try {
    refuseInapplicable(objective, Object.keys(given));
    validateObjective(objective);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ObjectiveError) throw new StudyError(`${at}: ${e.message}`);
    throw e;
  }
  if (flags["data-file"] !== undefined && flags.dataset !== "dsprites") throw new StudyError(`${at}: data-file takes the place of the generator: give it without dataset`);
  const settings = settingsOf(flags, objective.kind);
  return { id: runId(grid, seed, settings, evalSettings), study, settings, grid, seed, eval: evalSettings };
}

/** "beta-4_seed-1_0123456789ab" (a bundle: "objective-tcvae_beta-6_…"): what a person reads, then what tells runs apart. */
export function runId(grid: Record<string, GridValue>, seed: number, settings: Record<string, SettingValue>, evalSettings: Record<string, unknown>): string {
  const parts = Object.entries(grid).flatMap(([k, v]) => (isRecord(v) ? Object.entries(v) : [[k, v] as const]));
  const readable = [...parts.map(([k, v]) => `${k}-${v}`), `seed-${seed}`]
    .map((part) => part.replace(/[^A-Za-z0-9.+-]/g, "")).join("_").slice(0, 60);
  const hash = createHash("sha256").update(canonicalJson({ settings, eval: evalSettings })).digest("hex").slice(0, 12);
  return `${readable}_${hash}`;
}

/** A grid key that is not a `bvae train` flag holds bundles of settings. */
function isBundleKey(key: string): boolean {
  return !(key in TRAIN_FLAGS) && !(key in EVAL_FLAGS);
}

/** The train settings a grid point sets: its single values and every bundle's settings. */
function gridSettings(point: Record<string, GridValue>): Record<string, SettingValue> {
  return Object.assign({}, ...Object.entries(point).map(([k, v]) => (isRecord(v) ? v : { [k]: v })));
}

/** A grid value in words: the value, or a bundle as "objective=tcvae beta=6" (the report's label). */
export function formatGridValue(value: unknown): string {
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => `${k}=${formatGridValue(v)}`).join(" ");
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value) ?? "";
}

/** JSON with every object's keys sorted: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

function defined(flags: ParsedFlags): Record<string, SettingValue> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as Record<string, SettingValue>;
}

function* product(lists: GridValue[][]): Generator<GridValue[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = lists;
  for (const v of first) for (const tail of product(rest)) yield [v, ...tail];
}
