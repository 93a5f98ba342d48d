// The training objectives, by kind. The built-in ones are listed here; another file (a new
// objective, or a test) adds its own with `registerObjective`, and declares its descriptor
// type by augmenting `ObjectiveKinds`:
//   declare module "…/objectives/index" { interface ObjectiveKinds { mine: MyObjective } }
// Model, trainer and checkpoints reach objectives only through the functions below.
import type { LatentCode } from "../../model/vae";
import { BETA, type BetaObjective } from "./beta";
import { CAPACITY, type CapacityObjective } from "./capacity";
import { FACTORVAE, type FactorVaeObjective } from "./factorvae";
import { type ObjectiveKind, type ObjectiveRun, ObjectiveError } from "./objective";

/** Descriptor types by kind; augment this interface to add one. */
export interface ObjectiveKinds {
  beta: BetaObjective;
  capacity: CapacityObjective;
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

for (const kind of [BETA, CAPACITY, FACTORVAE]) registerObjective<Objective>(kind as ObjectiveKind<Objective>);

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
