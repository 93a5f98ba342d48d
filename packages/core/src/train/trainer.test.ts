import { describe, expect, it } from "vitest";
import { WasmBackend } from "../backend/wasm";
import type { ModelConfig } from "../model/config";
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from "./checkpoint";
import { SquaresSource } from "../testing/squares-source";
import { DEFAULT_OPTIMISER, NonFiniteError, Trainer, type TrainingConfig } from "./trainer";

const SMALL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 };

function config(overrides: Partial<TrainingConfig> = {}): TrainingConfig {
  return { model: SMALL, objective: { kind: "beta", beta: 4 }, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3, ...overrides };
}

async function trainer(c = config()) {
  return new Trainer(await WasmBackend.create(), c, new SquaresSource(16, c.seed + 1));
}

describe("Trainer", () => {
  it("reduces the loss on a simple dataset", async () => {
    const t = await trainer();
    const first = await t.trainStep();
    let last = first;
    for (let i = 0; i < 150; i++) last = await t.trainStep();
    expect(last.step).toBe(151);
    expect(last.recon).toBeLessThan(0.6 * first.recon);
    expect(last.klPerLatent).toHaveLength(4);
    expect(last.klPerLatent.reduce((a, b) => a + b, 0)).toBeCloseTo(last.kl, 3);
  });

  it("is reproducible from its seed", async () => {
    const [a, b] = [await trainer(), await trainer()];
    for (let i = 0; i < 3; i++) expect(await a.trainStep()).toEqual(await b.trainStep());
    const c = await trainer(config({ seed: 4 }));
    expect((await c.trainStep()).loss).not.toBe((await (await trainer()).trainStep()).loss);
  });

  it("resumes from a checkpoint bitwise identically to an uninterrupted run", async () => {
    const c = config({ objective: { kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 4 } });
    const straight = await trainer(c);
    const straightMetrics = [];
    for (let i = 0; i < 6; i++) straightMetrics.push(await straight.trainStep());

    const first = await trainer(c);
    for (let i = 0; i < 3; i++) await first.trainStep();
    const bytes = await encodeCheckpoint(first);
    const resumed = await trainer(c);
    restoreCheckpoint(resumed, decodeCheckpoint(bytes));
    expect(resumed.step).toBe(3);
    const resumedMetrics = [];
    for (let i = 0; i < 3; i++) resumedMetrics.push(await resumed.trainStep());
    expect(resumedMetrics).toEqual(straightMetrics.slice(3));
    const be = straight.backend;
    for (const name of ["paramValues", "adamM", "adamV"] as const) {
      const want = await be.read(straight.model[name]);
      const got = await resumed.backend.read(resumed.model[name]);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
  });

  it("stops before a non-finite loss reaches the weights", async () => {
    const t = await trainer();
    await t.trainStep();
    const before = await t.backend.read(t.model.paramValues);
    const poisoned = { next: (images: Float32Array) => images.fill(Number.NaN), getState: () => null, setState: () => {} };
    const bad = Object.assign(Object.create(Object.getPrototypeOf(t)), t, { source: poisoned }) as Trainer;
    await expect(bad.trainStep()).rejects.toThrow(NonFiniteError);
    await expect(bad.trainStep()).rejects.toThrow(/step 2: the loss is not finite .*stopped before updating the weights/);
    const after = await t.backend.read(t.model.paramValues);
    expect(after.every((v, i) => Object.is(v, before[i]))).toBe(true);
    expect(t.step).toBe(1);
  });

  it("stops before a non-finite gradient reaches the weights", async () => {
    const t = await trainer(config({ objective: { kind: "beta", beta: Number.MAX_VALUE } }));
    const before = await t.backend.read(t.model.paramValues);
    await expect(t.trainStep()).rejects.toThrow("step 1: a gradient is not finite; stopped before updating the weights");
    const after = await t.backend.read(t.model.paramValues);
    expect(after.every((v, i) => Object.is(v, before[i]))).toBe(true);
  });

  it("rejects invalid settings with a sentence", async () => {
    await expect(trainer(config({ objective: { kind: "beta", beta: -1 } }))).rejects.toThrow("beta must be a non-negative number, got -1");
    await expect(trainer(config({ optimiser: { ...DEFAULT_OPTIMISER, lr: 0 } }))).rejects.toThrow("lr must be a positive number, got 0");
    await expect(trainer(config({ batch: 0 }))).rejects.toThrow("batch must be a positive integer, got 0");
  });
});
