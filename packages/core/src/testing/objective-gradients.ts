// An objective's gradients against central finite differences of its loss, through a small
// model on the float64 reference backend, in the trainer's order (decoder backward, the sample's
// gradient, reparameterisation backward, the posterior's, encoder backward, the objective's own
// update): what every objective's test checks, whether it lives in core or beside it.
import { ReferenceBackend, type ReferenceBuffer } from "../backend/reference";
import type { ModelConfig } from "../model/config";
import { BetaVAE } from "../model/vae";
import { Rng } from "../rng";
import { type Objective, buildObjective } from "../train/objectives/index";
import type { ObjectiveRun } from "../train/objectives/objective";

export interface GradientCheck {
  /** the largest |finite difference − analytic| over every parameter */
  worst: number;
  /** the largest |analytic| (worst / largest is the relative error) */
  largest: number;
  /** the analytic gradients: the model's, then each of the objective's own arenas' */
  analytic: Float64Array[];
}

/**
 * Checks `objective` on a model of `config` at batch `batch` with non-zero biases (so no
 * pre-activation sits on a ReLU kink); `prepare` may set the run's own parameters first.
 */
export async function checkObjectiveGradients(
  objective: Objective, config: ModelConfig, batch: number, prepare?: (run: ObjectiveRun<Objective>, view: (b: unknown) => Float64Array) => void,
): Promise<GradientCheck> {
  const be = new ReferenceBackend("f64");
  const view = (b: unknown) => be.view(b as ReferenceBuffer) as Float64Array;
  const model = BetaVAE.build(be, config, batch);
  model.initialise(new Rng(11));
  const rng = new Rng(13);
  for (const slot of model.parameterLayout) {
    if (slot.shape.length === 1) for (let i = 0; i < slot.size; i++) view(model.paramValues)[slot.offset + i] = rng.uniform(-0.2, 0.2);
  }
  be.write(model.input, new Float32Array(model.input.length).map(() => (rng.next() < 0.3 ? 1 : 0)));
  const eps = new Float32Array(model.eps.length);
  rng.fillNormal(eps);
  be.write(model.eps, eps);
  const run = buildObjective(objective, model, 1);
  prepare?.(run, view);
  const own = run.parameters ?? [];
  const loss = async () => {
    model.forward();
    const [recon, kl, klPerLatent] = [view(model.recon)[0], view(model.klTotal)[0], Float32Array.from(view(model.klPerLatent))];
    return (await run.evaluate(objective, { step: 0, recon, kl, klPerLatent })).loss;
  };
  await loss();
  model.backwardDecoder();
  await run.addSampleGradient?.();
  model.backwardReparameterisation();
  await run.addPosteriorGradient?.();
  model.backwardEncoder();
  const before = own.map((a) => Float64Array.from(view(a.values)));
  await run.update?.();
  own.forEach((a, k) => view(a.values).set(before[k])); // undo its Adam step: the gradient stays in grads
  const analytic = [Float64Array.from(view(model.paramGrads)), ...own.map((a) => Float64Array.from(view(a.grads)))];

  const arenas = [{ values: view(model.paramValues), analytic: analytic[0], slots: model.parameterLayout }, ...own.map((a, k) => ({ values: view(a.values), analytic: analytic[k + 1], slots: a.slots }))];
  const indices = (slots: readonly { offset: number; size: number }[]) => slots.flatMap((s) => Array.from({ length: s.size }, (_, i) => s.offset + i));
  const { worst, largest } = await compareFiniteDifferences(arenas.map((a) => ({ ...a, indices: indices(a.slots) })), loss, 1e-5);
  return { worst, largest, analytic };
}

/** Values to perturb in place (each entry restored after), their analytic gradient, and which entries (all where absent). */
export interface Perturbed {
  values: Float64Array;
  analytic: Float64Array;
  indices?: Iterable<number>;
}

/** The largest |central difference of `loss` − analytic| and the largest |analytic| over the entries of `perturbed`. */
export async function compareFiniteDifferences(perturbed: Perturbed[], loss: () => number | Promise<number>, h = 1e-6): Promise<{ worst: number; largest: number }> {
  let worst = 0, largest = 0;
  for (const { values, analytic, indices } of perturbed) {
    for (const i of indices ?? values.keys()) {
      const saved = values[i];
      values[i] = saved + h;
      const up = await loss();
      values[i] = saved - h;
      const down = await loss();
      values[i] = saved;
      worst = Math.max(worst, Math.abs((up - down) / (2 * h) - analytic[i]));
      largest = Math.max(largest, Math.abs(analytic[i]));
    }
  }
  return { worst, largest };
}
