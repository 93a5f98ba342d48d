// The training objectives, by kind. The built-in ones are listed here; another file (a new
// objective, or a test) adds its own with `registerObjective`, and declares its descriptor
// type by augmenting `ObjectiveKinds`:
//   declare module "…/objectives/index" { interface ObjectiveKinds { mine: MyObjective } }
// Model, trainer and checkpoints reach objectives only through the functions below.
import type { LatentCode } from "../../model/vae";
import { BETA, type BetaObjective } from "./beta";
import { CAPACITY, type CapacityObjective } from "./capacity";
import { DIPVAE_I, DIPVAE_II, type DipVaeIIObjective, type DipVaeIObjective } from "./dipvae";
import { FACTORVAE, type FactorVaeObjective } from "./factorvae";
import { TCVAE, type TcvaeObjective } from "./tcvae";
import { type ObjectiveKind, type ObjectiveRun, ObjectiveError, type ObjectiveSetting, settingDefault } from "./objective";

/** Descriptor types by kind; augment this interface to add one. */
export interface ObjectiveKinds {
  beta: BetaObjective;
  capacity: CapacityObjective;
  tcvae: TcvaeObjective;
  "dipvae-i": DipVaeIObjective;
  "dipvae-ii": DipVaeIIObjective;
  factorvae: FactorVaeObjective;
}

/** A training objective as checkpoints store it: `{ kind, ...settings }`. */
export type Objective = ObjectiveKinds[keyof ObjectiveKinds];

const KINDS = new Map<string, ObjectiveKind<Objective>>();

/** Makes `kind` known to validation, checkpoints and the trainer. */
export function registerObjective<O extends Objective>(kind: ObjectiveKind<O>): void {
  if (KINDS.has(kind.kind)) throw new Error(`an objective of kind "${kind.kind}" is already registered`);
  KINDS.set(kind.kind, kind as unknown as ObjectiveKind<Objective>);
}

// the built-in objectives, in the order pickers and `--objective` list them
const BUILT_IN = [
  BETA,
  CAPACITY,
  TCVAE,
  DIPVAE_I,
  DIPVAE_II,
  FACTORVAE,
];
for (const kind of BUILT_IN) registerObjective<Objective>(kind as unknown as ObjectiveKind<Objective>);

/** Every registered kind, in the order registered (the built-in ones first): what pickers and flag tables list. */
export function objectiveKinds(): readonly ObjectiveKind<Objective>[] {
  return [...KINDS.values()];
}

/** The kind named `name`; an ObjectiveError listing the known ones otherwise. */
export function objectiveKind(name: string): ObjectiveKind<Objective> {
  return kindOf({ kind: name } as Objective);
}

/**
 * A descriptor of kind `name` from its settings' values by flag; a setting without a value takes
 * its default (`settingDefault`, given the training set's `imageCount` where known). Not yet validated.
 */
export function objectiveFromSettings(name: string, values: Readonly<Record<string, unknown>>, imageCount: number | null = null): Objective {
  const kind = objectiveKind(name);
  const fields = kind.settings.map((s: ObjectiveSetting) => [s.field, values[s.flag] ?? settingDefault(s, imageCount)]);
  return { kind: kind.kind, ...Object.fromEntries(fields) } as Objective;
}

/** `o`'s settings by flag, in its kind's order, e.g. { gamma: 1000, "capacity-max": 25, "capacity-steps": 100000 }. */
export function objectiveSettingValues(o: Objective): Record<string, number | string> {
  const fields = o as unknown as Record<string, number | string>;
  return Object.fromEntries(kindOf(o).settings.map((s) => [s.flag, fields[s.field]]));
}

function kindOf(o: Objective): ObjectiveKind<Objective> {
  const name = typeof o === "object" && o !== null ? (o as { kind: unknown }).kind : undefined;
  const kind = typeof name === "string" ? KINDS.get(name) : undefined;
  if (!kind) {
    const known = [...KINDS.keys()].map((k) => `"${k}"`);
    throw new ObjectiveError(`objective must be ${known.slice(0, -1).join(", ")} or ${known[known.length - 1]}, got ${String(name)}`);
  }
  return kind;
}

/** `o`, once its kind is known and its settings are valid; otherwise an ObjectiveError naming the first bad setting. */
export function validateObjective<O extends Objective>(o: O): O {
  kindOf(o).validate(o);
  return o;
}

/** One line for people: "β-VAE, β = 4" or "capacity, γ = 1000, C 0 → 25 nats over steps 0–100000". */
export function describeObjective(o: Objective): string {
  return kindOf(o).describe(o);
}

/**
 * The objective a run goes on with when asked for `requested` at update `step`. A capacity run
 * keeps its schedule while C_max and the schedule length stay as they are, and otherwise starts
 * a new ramp from where C stands, so C never jumps; γ, β or a change of kind apply as given.
 */
export function continueObjective(current: Objective, requested: Objective, step: number): Objective {
  const kind = kindOf(validateObjective(requested));
  if (current.kind !== requested.kind || !kind.continueWith) return requested;
  return kind.continueWith(current, requested, step);
}

/** The settings of `o` that a metrics line records (β-VAE's β, capacity's γ). */
export function loggedSettings(o: Objective): Record<string, number> {
  const kind = kindOf(o);
  return kind.logged ? kind.logged(o) : {};
}

/** The run of `o`'s kind for one model (allocates; not per step). */
export function buildObjective(o: Objective, code: LatentCode, seed: number): ObjectiveRun<Objective> {
  return kindOf(validateObjective(o)).build(code, seed);
}
