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

  it("changes the learning rate and the objective from the next update, validated; its config is read-only", async () => {
    const [a, b] = [await trainer(), await trainer()];
    await a.trainStep();
    await b.trainStep();
    const start = await a.backend.read(a.model.paramValues);
    b.setLearningRate(1e-3); // half of 2e-3: the same Adam step (same gradients and moments), half as long
    expect(b.config.optimiser).toEqual({ ...DEFAULT_OPTIMISER, lr: 1e-3 });
    await a.trainStep();
    await b.trainStep();
    const [movedA, movedB] = [await a.backend.read(a.model.paramValues), await b.backend.read(b.model.paramValues)];
    let worst = 0, largest = 0;
    for (let i = 0; i < start.length; i++) {
      worst = Math.max(worst, Math.abs(movedB[i] - start[i] - 0.5 * (movedA[i] - start[i])));
      largest = Math.max(largest, Math.abs(movedA[i] - start[i]));
    }
    expect(largest).toBeGreaterThan(1e-3);
    expect(worst / largest).toBeLessThan(1e-3);

    b.setObjective({ kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 4 });
    expect(await b.trainStep()).toMatchObject({ capacity: 2.5, terms: { capacityPenalty: expect.any(Number) } }); // C at update index 2
    b.setObjective({ kind: "beta", beta: 2 });
    expect((await b.trainStep()).klWeight).toBe(2);
    expect(() => b.setObjective({ kind: "beta", beta: -1 })).toThrow("beta must be a non-negative number, got -1");
    expect(() => b.setLearningRate(Number.NaN)).toThrow("lr must be a positive number, got NaN");
    expect([b.config.objective, b.config.optimiser.lr]).toEqual([{ kind: "beta", beta: 2 }, 1e-3]);
    expect(() => { (b.config.optimiser as { lr: number }).lr = 1; }).toThrow(TypeError);
    const given = config();
    const c = await trainer(given);
    given.optimiser.lr = 1;
    expect(c.config.optimiser.lr).toBe(2e-3);
  });

  it("rejects invalid settings with a sentence", async () => {
    await expect(trainer(config({ objective: { kind: "beta", beta: -1 } }))).rejects.toThrow("beta must be a non-negative number, got -1");
    await expect(trainer(config({ optimiser: { ...DEFAULT_OPTIMISER, lr: 0 } }))).rejects.toThrow("lr must be a positive number, got 0");
    await expect(trainer(config({ batch: 0 }))).rejects.toThrow("batch must be a positive integer, got 0");
  });
});
