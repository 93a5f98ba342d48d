// β-VAE (Higgins et al. 2017): minimises recon + β·KL.
import type { ObjectiveKind, ObjectiveReport } from "./objective";
import { requireNonNegative } from "./objective";
import { klWeightedRun } from "./kl-weighted";

export interface BetaObjective {
  kind: "beta";
  beta: number;
}

export function betaReport(o: BetaObjective, recon: number, kl: number): ObjectiveReport {
  const weighted = o.beta * kl;
  return { loss: recon + weighted, klWeight: o.beta, capacity: null, terms: { betaKl: weighted } };
}

export const BETA: ObjectiveKind<BetaObjective> = {
  kind: "beta",
  label: "β-VAE",
  settings: [{ field: "beta", flag: "beta", help: "β of the β-VAE objective", default: 4, min: 0 }],
  validate: (o) => requireNonNegative(o.beta, "beta"),
  describe: (o) => `β-VAE, β = ${o.beta}`,
  logged: (o) => ({ beta: o.beta }),
  build: (code) => klWeightedRun<BetaObjective>(code, (o, step) => betaReport(o, step.recon, step.kl)),
};
