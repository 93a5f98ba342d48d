// Controlled capacity (Burgess et al. 2018): minimises recon + γ·|KL − C|, C rising linearly
// from 0 to C_max over `capacitySteps` updates and then held. A resumed run may start a new
// ramp from where C stands (`rampFrom`) to another C_max.
import type { ObjectiveKind, ObjectiveReport } from "./objective";
import { ObjectiveError, requireNonNegative } from "./objective";
import { klWeightedRun } from "./kl-weighted";

/** Where a capacity ramp starts: C = `capacity` nats at update `step`. */
export interface CapacityRampStart {
  step: number;
  capacity: number;
}

export interface CapacityObjective {
  kind: "capacity";
  gamma: number;
  capacityMax: number;
  capacitySteps: number;
  rampFrom?: CapacityRampStart;
}

/** C for the update with zero-based index `step`: held at the ramp's start before it, at C_max after it. */
export function capacityAt(o: CapacityObjective, step: number): number {
  const from = o.rampFrom ?? { step: 0, capacity: 0 };
  return from.capacity + (o.capacityMax - from.capacity) * Math.min(1, Math.max(0, step - from.step) / o.capacitySteps);
}

/** The same objective with a new ramp from C at update `step` to `capacityMax` over `capacitySteps` more updates. */
export function rampCapacity(o: CapacityObjective, step: number, capacityMax: number, capacitySteps: number): CapacityObjective {
  const ramped: CapacityObjective = { ...o, capacityMax, capacitySteps, rampFrom: { step, capacity: capacityAt(o, step) } };
  CAPACITY.validate(ramped);
  return ramped;
}

export function capacityReport(o: CapacityObjective, recon: number, kl: number, step: number): ObjectiveReport {
  const c = capacityAt(o, step);
  const penalty = o.gamma * Math.abs(kl - c);
  return { loss: recon + penalty, klWeight: o.gamma * Math.sign(kl - c), capacity: c, terms: { capacityPenalty: penalty } };
}

export const CAPACITY: ObjectiveKind<CapacityObjective> = {
  kind: "capacity",
  label: "capacity",
  settings: [
    { field: "gamma", flag: "gamma", help: "γ of the capacity objective", default: 1000, min: 0 },
    { field: "capacityMax", flag: "capacity-max", help: "final capacity C_max in nats; with --resume, a new one", default: 25, min: 0, resumable: true },
    { field: "capacitySteps", flag: "capacity-steps", help: "steps over which C rises linearly from 0 (with --resume, from the current C)", default: 100000, min: 1, integer: true, resumable: true },
  ],
  validate(o) {
    requireNonNegative(o.gamma, "gamma");
    requireNonNegative(o.capacityMax, "capacity-max");
    if (!Number.isInteger(o.capacitySteps) || o.capacitySteps < 1) {
      throw new ObjectiveError(`capacity-steps must be a positive integer, got ${String(o.capacitySteps)}`);
    }
    if (o.rampFrom !== undefined) {
      const { step, capacity } = o.rampFrom ?? {};
      if (!Number.isInteger(step) || step < 0) throw new ObjectiveError(`the capacity ramp's start step must be a non-negative integer, got ${String(step)}`);
      requireNonNegative(capacity, "the capacity ramp's start capacity");
    }
  },
  describe(o) {
    const from = o.rampFrom ?? { step: 0, capacity: 0 };
    return `capacity, γ = ${o.gamma}, C ${+from.capacity.toFixed(3)} → ${o.capacityMax} nats over steps ${from.step}–${from.step + o.capacitySteps}`;
  },
  logged: (o) => ({ gamma: o.gamma }),
  /** The schedule stays while C_max and its length stay; otherwise a new ramp starts from where C stands, so C never jumps. γ follows the request. */
  continueWith(current, requested, step) {
    const kept = { ...current, gamma: requested.gamma };
    if (requested.capacityMax === current.capacityMax && requested.capacitySteps === current.capacitySteps) return kept;
    return rampCapacity(kept, step, requested.capacityMax, requested.capacitySteps);
  },
  build: (code) => klWeightedRun<CapacityObjective>(code, (o, step) => capacityReport(o, step.recon, step.kl, step.step)),
};
