// The two training objectives (docs/ARCHITECTURE.md, "The model and its objectives"), as
// minimised losses:
//   β-VAE (Higgins et al. 2017):             recon + β·KL
//   controlled capacity (Burgess et al. 2018): recon + γ·|KL − C|, C rising linearly from 0 to
//   C_max over `capacitySteps` updates and then held. A resumed run may start a new ramp from
//   where C stands (`rampFrom`) to another C_max.

/** Where a capacity ramp starts: C = `capacity` nats at update `step`. */
export interface CapacityRampStart {
  step: number;
  capacity: number;
}

export type Objective =
  | { kind: "beta"; beta: number }
  | { kind: "capacity"; gamma: number; capacityMax: number; capacitySteps: number; rampFrom?: CapacityRampStart };

export type CapacityObjective = Extract<Objective, { kind: "capacity" }>;

export interface ObjectiveTerms {
  loss: number;
  /** d loss / d KL: β, or γ·sign(KL − C) */
  klWeight: number;
  /** target capacity C at this step (nats); null for the β objective */
  capacity: number | null;
}

export class ObjectiveError extends Error {
  override name = "ObjectiveError";
}

export function validateObjective(o: Objective): Objective {
  const nonNegative = (v: number, what: string) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ObjectiveError(`${what} must be a non-negative number, got ${String(v)}`);
  };
  if (o.kind === "beta") nonNegative(o.beta, "beta");
  else if (o.kind === "capacity") {
    nonNegative(o.gamma, "gamma");
    nonNegative(o.capacityMax, "capacity-max");
    if (!Number.isInteger(o.capacitySteps) || o.capacitySteps < 1) {
      throw new ObjectiveError(`capacity-steps must be a positive integer, got ${String(o.capacitySteps)}`);
    }
    if (o.rampFrom !== undefined) {
      const { step, capacity } = o.rampFrom ?? {};
      if (!Number.isInteger(step) || step < 0) throw new ObjectiveError(`the capacity ramp's start step must be a non-negative integer, got ${String(step)}`);
      nonNegative(capacity, "the capacity ramp's start capacity");
    }
  } else throw new ObjectiveError(`objective must be "beta" or "capacity", got ${String((o as { kind: unknown }).kind)}`);
  return o;
}

/** C for the update with zero-based index `step`: held at the ramp's start before it, at C_max after it. */
export function capacityAt(o: CapacityObjective, step: number): number {
  const from = o.rampFrom ?? { step: 0, capacity: 0 };
  return from.capacity + (o.capacityMax - from.capacity) * Math.min(1, Math.max(0, step - from.step) / o.capacitySteps);
}

/** The same objective with a new ramp from C at update `step` to `capacityMax` over `capacitySteps` more updates. */
export function rampCapacity(o: CapacityObjective, step: number, capacityMax: number, capacitySteps: number): CapacityObjective {
  const ramped: CapacityObjective = { ...o, capacityMax, capacitySteps, rampFrom: { step, capacity: capacityAt(o, step) } };
  validateObjective(ramped);
  return ramped;
}

/**
 * The objective a run goes on with when asked for `requested` at update `step`. A capacity run
 * keeps its schedule while C_max and the schedule length stay as they are, and otherwise starts
 * a new ramp from where C stands, so C never jumps; γ, β or a change of kind apply as given.
 */
export function continueObjective(current: Objective, requested: Objective, step: number): Objective {
  validateObjective(requested);
  if (current.kind !== "capacity" || requested.kind !== "capacity") return requested;
  const kept = { ...current, gamma: requested.gamma };
  if (requested.capacityMax === current.capacityMax && requested.capacitySteps === current.capacitySteps) return kept;
  return rampCapacity(kept, step, requested.capacityMax, requested.capacitySteps);
}

/** One line for people: "β-VAE, β = 4" or "capacity, γ = 1000, C 0 → 25 nats over steps 0–100000". */
export function describeObjective(o: Objective): string {
  if (o.kind === "beta") return `β-VAE, β = ${o.beta}`;
  const from = o.rampFrom ?? { step: 0, capacity: 0 };
  return `capacity, γ = ${o.gamma}, C ${+from.capacity.toFixed(3)} → ${o.capacityMax} nats over steps ${from.step}–${from.step + o.capacitySteps}`;
}

export function objectiveTerms(o: Objective, recon: number, kl: number, step: number): ObjectiveTerms {
  if (o.kind === "beta") return { loss: recon + o.beta * kl, klWeight: o.beta, capacity: null };
  const c = capacityAt(o, step);
  return { loss: recon + o.gamma * Math.abs(kl - c), klWeight: o.gamma * Math.sign(kl - c), capacity: c };
}
