// Training parity: the same 20 steps of the Trainer (same config, seed and batches) on
// WebGPU and on WASM give the same losses within a stated tolerance. Skipped, with the
// reason printed, when there is no WebGPU adapter.
import { DEFAULT_OPTIMISER, type ModelConfig, type StepMetrics, Trainer, type TrainingConfig, WasmBackend } from "@betavae/core";
import { SquaresSource } from "@betavae/core/testing";
import { describe, expect, it } from "vitest";
import { testBackend } from "./test-adapter";

const TINY: ModelConfig = { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 };

/** Relative tolerance on recon, KL and the gradient norm at every one of the steps. */
export const PARITY_RTOL = 1e-3;

const webgpu = await testBackend("webgpu training parity");

async function run(trainer: Trainer, steps: number): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let i = 0; i < steps; i++) out.push(await trainer.trainStep());
  return out;
}

describe.skipIf(!webgpu)("training parity, WebGPU vs WASM", () => {
  const cases: [string, TrainingConfig, number][] = [
    ["β-VAE, Bernoulli", { model: TINY, objective: { kind: "beta", beta: 4 }, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 7 }, 20],
    ["capacity, Gaussian", {
      model: { ...TINY, likelihood: "gaussian", variance: 0.1 }, objective: { kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 10 },
      optimiser: { ...DEFAULT_OPTIMISER, lr: 1e-3 }, batch: 5, seed: 11,
    }, 10],
  ];
  for (const [name, config, steps] of cases) {
    it(`${name}: ${steps} steps from one seed agree to rtol ${PARITY_RTOL}`, async () => {
      const gpu = await run(new Trainer(webgpu!, config, new SquaresSource(16, config.seed + 1)), steps);
      const cpu = await run(new Trainer(await WasmBackend.create(), config, new SquaresSource(16, config.seed + 1)), steps);
      let worst = 0;
      for (let i = 0; i < steps; i++) {
        for (const key of ["recon", "kl", "gradNorm", "loss"] as const) {
          const rel = Math.abs(gpu[i][key] - cpu[i][key]) / Math.max(Math.abs(cpu[i][key]), 1e-6);
          worst = Math.max(worst, rel);
          expect(rel, `step ${i + 1} ${key}: webgpu ${gpu[i][key]} vs wasm ${cpu[i][key]}`).toBeLessThanOrEqual(PARITY_RTOL);
        }
        gpu[i].klPerLatent.forEach((v, j) => expect(Math.abs(v - cpu[i].klPerLatent[j])).toBeLessThanOrEqual(PARITY_RTOL * (Math.abs(cpu[i].kl) + 1e-3)));
      }
      console.log(`${name}: worst relative difference over ${steps} steps ${worst.toExponential(2)}; `
        + `recon ${cpu[0].recon.toFixed(3)} → ${cpu[steps - 1].recon.toFixed(3)}`);
      if (config.objective.kind === "beta") expect(cpu[steps - 1].recon).toBeLessThan(cpu[0].recon);
    });
  }
});
