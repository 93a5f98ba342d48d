// The settings of a `bvae train` run, kept in its config.json. A resumed run starts from them
// (its --checkpoint-every, --log-every, --threads, ...); the command line may repeat any of
// them and change only what a resumed run can change, so the original command with --resume
// added continues the run.
import { type Checkpoint, type Objective, architectureOf } from "@betavae/core";
import { checkpointDataset } from "@betavae/datasets";
import { type ParsedFlags, UsageError } from "./args";
import { FileError } from "./files";
import type { RunSettings } from "./run-dir";

/** What a resumed run may change: its length, speed and bookkeeping, a capacity run's ramp, and where a folder's images are cached. */
export const RESUMABLE = ["steps", "backend", "threads", "checkpoint-every", "log-every", "capacity-max", "capacity-steps", "cache"];
/** Flags that are not settings: where the run is, and how this command starts it. */
const NOT_SETTINGS = ["out", "resume", "preset"];
/** The flags of one objective only. */
const OBJECTIVE_FLAGS: Record<Objective["kind"], string[]> = { beta: ["beta"], capacity: ["gamma", "capacity-max", "capacity-steps"] };

/** The settings a run keeps: its resolved flags, less the other objective's. */
export function settingsOf(flags: ParsedFlags, objective: Objective["kind"]): RunSettings {
  const others = OBJECTIVE_FLAGS[objective === "beta" ? "capacity" : "beta"];
  const kept = Object.entries(flags).filter(([k, v]) => v !== undefined && !NOT_SETTINGS.includes(k) && !others.includes(k));
  return Object.fromEntries(kept) as RunSettings;
}

/** The flags given on this command line (its preset's included), as settings. */
export function askedSettings(flags: ParsedFlags, asked: Iterable<string>): RunSettings {
  const kept = [...asked].filter((k) => flags[k] !== undefined && !NOT_SETTINGS.includes(k));
  return Object.fromEntries(kept.map((k) => [k, flags[k]])) as RunSettings;
}

/** Refuses a flag of the other objective: it would be silently ignored. */
export function refuseInapplicable(objective: Objective, given: Iterable<string>): void {
  const other = objective.kind === "beta" ? "capacity" : "beta";
  const flag = [...given].find((k) => OBJECTIVE_FLAGS[other].includes(k));
  if (flag === undefined) return;
  const flags = flag === "capacity-max" || flag === "capacity-steps" ? "--capacity-max and --capacity-steps apply" : `--${flag} applies`;
  const running = objective.kind === "beta" ? `β-VAE (β = ${objective.beta})` : `the capacity objective (γ = ${objective.gamma})`;
  throw new UsageError(`${flags} to the ${other === "beta" ? "β-VAE" : "capacity"} objective; this run trains ${running}`);
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
    ...(o.kind === "beta" ? { beta: o.beta } : { gamma: o.gamma, "capacity-max": o.capacityMax, "capacity-steps": o.capacitySteps }),
    arch: architectureOf(c.config.model), batch: c.config.batch, lr: c.config.optimiser.lr, latents: c.config.model.latents, likelihood: c.config.model.likelihood, seed: c.config.seed,
  };
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
 * disagrees with the kept settings (another run's), and a change to anything not RESUMABLE,
 * naming the flag with its old and new value.
 */
export function resumedSettings(flags: ParsedFlags, keptAsWritten: RunSettings | null, checkpoint: Checkpoint, asked: RunSettings, configPath: string): RunSettings {
  const saved = checkpointSettings(checkpoint);
  const kept = keptAsWritten && { ...SETTINGS_BEFORE_THEIR_FLAG, ...keptAsWritten };
  const defining = (s: RunSettings) => Object.keys(s).filter((k) => !RESUMABLE.includes(k));
  const foreign = kept && firstChange(kept, saved, defining(saved));
  if (foreign) {
    throw new FileError(`the checkpoint was not written by this run: it has --${foreign.flag} ${shown(foreign.requested)}, ${configPath} has ${shown(foreign.stored)}`);
  }
  const change = firstChange(saved, asked, defining(asked));
  if (change) throw new UsageError(`--${change.flag} cannot be changed when resuming: this run has ${shown(change.stored)}, not ${shown(change.requested)}`);
  return { ...settingsOf(flags, checkpoint.config.objective.kind), ...kept, ...saved, ...asked };
}

/** Whether `settings` ask a capacity run for another ramp than its checkpoint's. */
export function asksNewRamp(objective: Objective, settings: RunSettings): boolean {
  return objective.kind === "capacity" && (settings["capacity-max"] !== objective.capacityMax || settings["capacity-steps"] !== objective.capacitySteps);
}
