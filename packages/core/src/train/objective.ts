// The two training objectives (DESIGN §1), as minimised losses:
//   β-VAE (Higgins et al. 2017):             recon + β·KL
//   controlled capacity (Burgess et al. 2018): recon + γ·|KL − C|, C rising linearly from 0 to
//   C_max over `capacitySteps` updates and then held.

export type Objective =
  | { kind: "beta"; beta: number }
  | { kind: "capacity"; gamma: number; capacityMax: number; capacitySteps: number };

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
  } else throw new ObjectiveError(`objective must be "beta" or "capacity", got ${String((o as { kind: unknown }).kind)}`);
  return o;
}

/** C for the update with zero-based index `step`. */
export function capacityAt(o: Extract<Objective, { kind: "capacity" }>, step: number): number {
  return o.capacityMax * Math.min(1, step / o.capacitySteps);
}

export function objectiveTerms(o: Objective, recon: number, kl: number, step: number): ObjectiveTerms {
  if (o.kind === "beta") return { loss: recon + o.beta * kl, klWeight: o.beta, capacity: null };
  const c = capacityAt(o, step);
  return { loss: recon + o.gamma * Math.abs(kl - c), klWeight: o.gamma * Math.sign(kl - c), capacity: c };
}
