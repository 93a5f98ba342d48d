// Training trajectories recorded before the training loop was reshaped, held to the bit: the
// loss terms, KL per latent and a hash of every parameter and both Adam moments at steps 1,
// 10 and 100, for β-VAE and the capacity objective on dSprites, one thread, each kernel build.
// A change to the model, an objective, the trainer, the sampler or a kernel that moves any
// float shows up here.
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Objective, type TrainingConfig, Trainer, WasmBackend } from "@betavae/core";
import { relaxedSimdSupported } from "@betavae/kernels";
import { ImageSampler, createDataset } from "@betavae/datasets";

interface Checkpoint { step: number; loss: number; recon: number; kl: number; klPerLatent: number[]; sha256: string }

const OBJECTIVES: Record<string, Objective> = {
  beta: { kind: "beta", beta: 4 },
  capacity: { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 1000 },
};

function config(objective: Objective): TrainingConfig {
  return {
    model: { height: 64, width: 64, channels: 1, latents: 10, convChannels: 32, hidden: 256, likelihood: "bernoulli", variance: 1 },
    objective, optimiser: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: 16, seed: 7,
  };
}

async function record(variant: "simd" | "relaxed", objective: Objective): Promise<Checkpoint[]> {
  const backend = await WasmBackend.create({ variant, threads: 1 });
  try {
    const c = config(objective);
    const trainer = new Trainer(backend, c, new ImageSampler(createDataset("dsprites"), c.seed + 1));
    const out: Checkpoint[] = [];
    while (trainer.step < 100) {
      const m = await trainer.trainStep();
      if (m.step === 1 || m.step === 10 || m.step === 100) {
        const hash = createHash("sha256");
        for (const b of [trainer.model.paramValues, trainer.model.adamM, trainer.model.adamV]) {
          const f = await backend.read(b);
          hash.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
        }
        out.push({ step: m.step, loss: m.loss, recon: m.recon, kl: m.kl, klPerLatent: m.klPerLatent, sha256: hash.digest("hex") });
      }
    }
    return out;
  } finally {
    backend.dispose();
  }
}

// recorded once, at commit 9f4ec14, before the reshaping; never regenerate to make a change pass
const RECORDED = JSON.parse(readFileSync(new URL("./trajectory.recorded.json", import.meta.url), "utf8")) as Record<string, Record<string, Checkpoint[]>>;

describe("training trajectories hold to the bit", () => {
  for (const variant of ["relaxed", "simd"] as const) {
    for (const name of Object.keys(OBJECTIVES)) {
      it(`${name}, wasm-${variant}, one thread`, async ({ skip }) => {
        if (variant === "relaxed" && !(await relaxedSimdSupported())) skip("this runtime has no relaxed SIMD");
        const got = await record(variant, OBJECTIVES[name]);
        if (process.env.PRINT_TRAJECTORY) appendFileSync(process.env.PRINT_TRAJECTORY, JSON.stringify({ variant, name, got }) + "\n");
        expect(got).toEqual(RECORDED[variant][name]);
      }, 120_000);
    }
  }
});
