// The settings of a `bvae train` run, kept in its config.json. A resumed run starts from them
// (its --checkpoint-every, --log-every, --threads, ...); the command line may repeat any of
// them and change only what a resumed run can change, so the original command with --resume
// added continues the run.
import {
  type Checkpoint, type Objective, architectureOf, type ObjectiveKind, type ObjectiveSetting, isChoiceSetting, objectiveKind, objectiveKinds, objectiveSettingValues, settingDefault,
} from "@betavae/core";
import { checkpointDataset } from "@betavae/datasets";
import { type FlagSpec, type FlagSpecs, type ParsedFlags, UsageError } from "./args";
import { FileError } from "./files";
import type { RunSettings } from "./run-dir";

/** What any resumed run may change: its length, speed and bookkeeping, and where a folder's images are cached (its objective's resumable settings besides). */
const RESUMABLE = ["steps", "backend", "threads", "checkpoint-every", "log-every", "cache"];
/** Flags that are not settings: where the run is, and how this command starts it. */
const NOT_SETTINGS = ["out", "resume", "preset"];

/** Each objective setting's flag, with the kinds that have it and their setting, in registration order. */
function objectiveFlags(): Map<string, { kind: ObjectiveKind<Objective>; setting: ObjectiveSetting }[]> {
  const flags = new Map<string, { kind: ObjectiveKind<Objective>; setting: ObjectiveSetting }[]>();
  for (const kind of objectiveKinds()) for (const setting of kind.settings) flags.set(setting.flag, [...(flags.get(setting.flag) ?? []), { kind, setting }]);
  return flags;
}

const defaultOf = (s: ObjectiveSetting) => (!isChoiceSetting(s) && s.datasetSize ? "the dataset's image count" : String(s.default));

/**
 * `--objective` and every registered objective's settings as flags. A flag two objectives share
 * (γ) has no default here: the chosen objective's applies (`withObjectiveDefaults`).
 */
export function objectiveFlagSpecs(): FlagSpecs {
  const kinds = objectiveKinds();
  const specs: FlagSpecs = {
    objective: { type: "choice", choices: kinds.map((k) => k.kind), help: `the objective: ${kinds.map((k) => (k.label === k.kind ? k.kind : `${k.kind} (${k.label})`)).join(", ")}`, default: kinds[0].kind },
  };
  for (const [flag, owners] of objectiveFlags()) {
    const byHelp = new Map<string, typeof owners>();
    for (const owner of owners) byHelp.set(owner.setting.help, [...(byHelp.get(owner.setting.help) ?? []), owner]);
    const help = owners.length === 1
      ? `${owners[0].setting.help} (default ${defaultOf(owners[0].setting)})`
      : [...byHelp].map(([text, group]) => `${text} (${group.map(({ kind, setting }) => `${kind.kind}: default ${defaultOf(setting)}`).join(", ")})`).join("; ");
    const s = owners[0].setting;
    // shared flags keep the loosest range of their objectives; each objective's own validation holds it to its own
    const bound = (pick: (a: number, b: number) => number, key: "min" | "max") => {
      const values = owners.map(({ setting }) => (isChoiceSetting(setting) ? undefined : setting[key]));
      return values.some((v) => v === undefined) ? undefined : values.reduce((a, b) => pick(a!, b!));
    };
    const spec: FlagSpec = isChoiceSetting(s)
      ? { type: "choice", choices: [...new Set(owners.flatMap(({ setting }) => (isChoiceSetting(setting) ? setting.choices : [])))], help }
      : { type: owners.every(({ setting }) => !isChoiceSetting(setting) && setting.integer) ? "int" : "number", min: bound(Math.min, "min"), max: bound(Math.max, "max"), help };
    specs[flag] = spec;
  }
  return specs;
}

/**
 * `flags` with each setting of the chosen objective (`flags.objective`) that is not given set
 * to its default. `datasetSize` is the training set's image count: null where the dataset has
 * none (a dataset-size setting takes its default), absent where it is not known yet (such a
 * setting stays unset, for `bvae train` to fill once it opens the dataset).
 */
export function withObjectiveDefaults(flags: ParsedFlags, datasetSize?: number | null): ParsedFlags {
  const filled = { ...flags };
  for (const s of objectiveKind(flags.objective as string).settings) {
    const waits = !isChoiceSetting(s) && s.datasetSize && datasetSize === undefined;
    if (filled[s.flag] === undefined && !waits) filled[s.flag] = settingDefault(s, datasetSize);
  }
  return filled;
}

/** The flags of settings of objectives other than `kind` that `kind` does not have. */
function foreignFlags(kind: Objective["kind"]): Set<string> {
  const own = new Set(objectiveKind(kind).settings.map((s) => s.flag));
  return new Set([...objectiveFlags().keys()].filter((f) => !own.has(f)));
}

/** The settings a run keeps: its resolved flags, less the other objectives' settings. */
export function settingsOf(flags: ParsedFlags, objective: Objective["kind"]): RunSettings {
  const others = foreignFlags(objective);
  const kept = Object.entries(flags).filter(([k, v]) => v !== undefined && !NOT_SETTINGS.includes(k) && !others.has(k));
  return Object.fromEntries(kept) as RunSettings;
}

/** The flags given on this command line (its preset's included), as settings. */
export function askedSettings(flags: ParsedFlags, asked: Iterable<string>): RunSettings {
  const kept = [...asked].filter((k) => flags[k] !== undefined && !NOT_SETTINGS.includes(k));
  return Object.fromEntries(kept.map((k) => [k, flags[k]])) as RunSettings;
}

/** "the capacity objective", "the capacity and β-TCVAE objectives". */
function theObjectives(labels: string[]): string {
  const listed = labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
  return `the ${listed} objective${labels.length === 1 ? "" : "s"}`;
}

/** Refuses a flag of another objective than `objective`'s kind: it would be silently ignored. */
export function refuseInapplicable(objective: Objective, given: Iterable<string>): void {
  const others = foreignFlags(objective.kind);
  const flag = [...given].find((k) => others.has(k));
  if (flag === undefined) return;
  const owners = objectiveFlags().get(flag)!.map(({ kind }) => kind.label);
  const kind = objectiveKind(objective.kind);
  const first = kind.settings[0];
  const value = first && objectiveSettingValues(objective)[first.flag];
  const running = first && value !== undefined ? `${theObjectives([kind.label])} (${first.symbol ?? first.flag} = ${String(value)})` : theObjectives([kind.label]);
  throw new UsageError(`--${flag} applies to ${theObjectives(owners)}; this run trains ${running}`);
}

/** The run-defining settings a checkpoint holds. */
function checkpointSettings(c: Checkpoint): RunSettings {
  const o = c.config.objective;
  const data = checkpointDataset(c);
  return {
    dataset: data.name,
    ...(data.imageFolder && data.dataFile
      ? { "data-dir": data.imageFolder.dir, channels: data.imageFolder.channels, crop: data.imageFolder.crop, cache: data.dataFile }
      : data.dataFile ? { "data-file": data.dataFile } : {}),
    objective: o.kind,
    ...objectiveSettingValues(o),
    arch: architectureOf(c.config.model), batch: c.config.batch, lr: c.config.optimiser.lr, latents: c.config.model.latents, likelihood: c.config.model.likelihood, seed: c.config.seed,
  };
}

/** The settings a resumed run of `objective` may change: the usual ones and the objective's resumable settings. */
function resumable(objective: Objective): string[] {
  return [...RESUMABLE, ...objectiveKind(objective.kind).settings.filter((s) => s.resumable).map((s) => s.flag)];
}

/** What runs kept before these flags existed had: the one architecture there was. */
const SETTINGS_BEFORE_THEIR_FLAG: RunSettings = { arch: "burgess" };

/** The first of `flags` whose value in `requested` differs from `stored`'s, or null. */
function firstChange(stored: RunSettings, requested: RunSettings, flags: Iterable<string>): { flag: string; stored: unknown; requested: unknown } | null {
  for (const flag of flags) {
    if (requested[flag] !== undefined && requested[flag] !== stored[flag]) return { flag, stored: stored[flag], requested: requested[flag] };
  }
  return null;
}

const shown = (v: unknown) => (v === undefined ? "none" : String(v));

/**
 * The settings a resumed run continues with: `flags` (defaults), then what the run kept, then
 * its checkpoint's (they rule), then what this command line asks. Refuses a checkpoint that
 * disagrees with the kept settings (another run's), and a change to anything not resumable,
 * naming the flag with its old and new value.
 */
export function resumedSettings(flags: ParsedFlags, keptAsWritten: RunSettings | null, checkpoint: Checkpoint, asked: RunSettings, configPath: string): RunSettings {
  const saved = checkpointSettings(checkpoint);
  const kept = keptAsWritten && { ...SETTINGS_BEFORE_THEIR_FLAG, ...keptAsWritten };
  const changeable = resumable(checkpoint.config.objective);
  const defining = (s: RunSettings) => Object.keys(s).filter((k) => !changeable.includes(k));
  const foreign = kept && firstChange(kept, saved, defining(saved));
  if (foreign) {
    throw new FileError(`the checkpoint was not written by this run: it has --${foreign.flag} ${shown(foreign.requested)}, ${configPath} has ${shown(foreign.stored)}`);
  }
  const change = firstChange(saved, asked, defining(asked));
  if (change) throw new UsageError(`--${change.flag} cannot be changed when resuming: this run has ${shown(change.stored)}, not ${shown(change.requested)}`);
  return { ...settingsOf(flags, checkpoint.config.objective.kind), ...kept, ...saved, ...asked };
}

/** The objective a resumed run asks for when `settings` change one of its resumable settings (a capacity run's ramp), else null. */
export function resumedObjective(objective: Objective, settings: RunSettings): Objective | null {
  const fields = objective as unknown as Record<string, unknown>;
  const changed = objectiveKind(objective.kind).settings.filter((s) => s.resumable && settings[s.flag] !== undefined && settings[s.flag] !== fields[s.field]);
  if (changed.length === 0) return null;
  return { ...objective, ...Object.fromEntries(changed.map((s) => [s.field, settings[s.flag]])) } as Objective;
}
