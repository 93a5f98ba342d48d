// The objectives that weight the KL's gradient by one number per update (β-VAE, capacity):
// their run adds weight · d KL / d(μ, log σ²) after the reparameterisation's backward.
import type { BetaVAE, LatentCode } from "../../model/vae";
import type { ObjectiveReport, ObjectiveRun, ObjectiveStep } from "./objective";

/** `weight` · the KL's gradient, added to `code.dmu` and `code.dlogvar`. */
export function addKlGradient(code: LatentCode, weight: number): void {
  code.backend.klBackward(code.dmu, code.dlogvar, code.mu, code.logvar, code.batch, code.latents, weight, true);
}

/** The model's whole backward pass under a KL weight, in one synchronous call (what the trainer does for β and capacity). */
export function klWeightedBackward(model: BetaVAE, klWeight: number): void {
  model.backwardDecoder();
  model.backwardReparameterisation();
  addKlGradient(model, klWeight);
  model.backwardEncoder();
}

/** The run of an objective whose report (loss, KL weight, C) follows from the step's values alone. */
export function klWeightedRun<O>(code: LatentCode, report: (objective: O, step: ObjectiveStep) => ObjectiveReport): ObjectiveRun<O> {
  let klWeight = 0;
  return {
    evaluate(objective, step) {
      const r = report(objective, step);
      klWeight = r.klWeight;
      return r;
    },
    addPosteriorGradient: () => addKlGradient(code, klWeight),
  };
}
