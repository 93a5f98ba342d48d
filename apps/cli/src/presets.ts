// `bvae train --preset NAME`: named sets of flags; flags given beside a preset override it.
import { type ParsedFlags, UsageError } from "./args";

/**
 * disentanglement_lib's training defaults (config/unsupervised_study_v1/model_configs/shared.gin,
 * the settings of every model in Locatello et al. 2019): its conv architecture, Adam lr 1e-4
 * (β1 0.9, β2 0.999, ε 1e-8, as ours), batch 64, 300,000 steps, 10 latents, Bernoulli
 * likelihood, dSprites.
 */
const DISLIB_TRAINING: ParsedFlags = { dataset: "dsprites", arch: "dislib", lr: 1e-4, batch: 64, steps: 300000, latents: 10, likelihood: "bernoulli" };

/**
 * One preset per objective at the value disentanglement_lib trains it with in its own example
 * and tests (examples/model.gin, methods/unsupervised/train_test.py), each a point of the
 * study's sweep (config/unsupervised_study_v1/sweep.py), whose λ_d factors are fixed: 10 for
 * DIP-VAE-I, 1 for DIP-VAE-II.
 */
const DISLIB_OBJECTIVES: Record<string, ParsedFlags> = {
  "dislib-beta": { objective: "beta", beta: 4 }, // sweep 1, 2, 4, 6, 8, 16
  "dislib-capacity": { objective: "capacity", gamma: 1000, "capacity-max": 25, "capacity-steps": 100000 }, // AnnealedVAE: C_max 5 … 100
  "dislib-tcvae": { objective: "tcvae", beta: 10 }, // sweep 1, 2, 4, 6, 8, 10
  "dislib-dipvae-i": { objective: "dipvae-i", "lambda-od": 10, "lambda-d-factor": 10 }, // λ_od 1, 2, 5, 10, 20, 50
  "dislib-dipvae-ii": { objective: "dipvae-ii", "lambda-od": 10, "lambda-d-factor": 1 },
  "dislib-factorvae": { objective: "factorvae", gamma: 10 }, // sweep 10, 20, 30, 40, 50, 100
};

export const PRESETS: Record<string, ParsedFlags> = {
  // A few minutes on two cores: β-VAE (β = 4) on dSprites, long enough for recognisable
  // reconstructions and a few active latents.
  quick: { dataset: "dsprites", objective: "beta", beta: 4, lr: 1e-3, batch: 64, steps: 1500, latents: 10, "checkpoint-every": 500 },
  // The paper's dSprites run (Burgess et al. 2018): γ = 1000, C 0 → 25 nats over 100,000 steps, Adam 5e-4, batch 64.
  "burgess-dsprites": { dataset: "dsprites", objective: "capacity", gamma: 1000, "capacity-max": 25, "capacity-steps": 100000, lr: 5e-4, batch: 64, steps: 100000, latents: 10 },
  ...Object.fromEntries(Object.entries(DISLIB_OBJECTIVES).map(([name, objective]) => [name, { ...DISLIB_TRAINING, ...objective }])),
  // The paper's CelebA run (Burgess et al. 2018): 32 latents, C 0 → 50 nats over 100,000 steps, γ = 1000, Adam 5e-4,
  // batch 64; RGB, each aligned 178 × 218 face cut to its centred 148-pixel square.
  "burgess-celeba": { objective: "capacity", gamma: 1000, "capacity-max": 50, "capacity-steps": 100000, lr: 5e-4, batch: 64, steps: 100000, latents: 32, channels: 3, crop: "celeba" },
  // The paper's 3D Chairs traversals (Burgess et al. 2018, Fig. 4) with its CelebA schedule; grey, each 600 × 600
  // render cut to its centred 400-pixel square, where the chair is (as disentangling-vae prepares the set).
  "burgess-chairs": { objective: "capacity", gamma: 1000, "capacity-max": 50, "capacity-steps": 100000, lr: 5e-4, batch: 64, steps: 100000, latents: 32, channels: 1, crop: "400" },
};

/** Presets that train on a folder of images (they need --data-dir), and what a user would point it at. */
export const FOLDER_PRESETS: Record<string, string> = {
  "burgess-celeba": "CelebA's aligned faces (img_align_celeba)",
  "burgess-chairs": "the 3D Chairs renders (rendered_chairs)",
};

/** The preset's flags, or a UsageError when its objective is not among `objectives` (those this build has). */
export function presetFlags(name: string, objectives: readonly string[]): ParsedFlags {
  const preset = PRESETS[name];
  if (!objectives.includes(preset.objective as string)) {
    throw new UsageError(`preset ${name} trains the ${String(preset.objective)} objective, which this build does not have (objectives: ${objectives.join(", ")})`);
  }
  return preset;
}
