// The training session: records at the log cadence in the log's format, the latent watch on
// those records, checkpoints when asked (every N, at the end, on abort), abort after the
// current step, resume and objective or learning-rate changes through methods, and numerics
// identical to stepping the trainer by hand.
import { describe, expect, it } from "vitest";
import { WasmBackend } from "../backend/wasm";
import type { ModelConfig } from "../model/config";
import { SquaresSource } from "../testing/squares-source";
import { decodeCheckpoint } from "./checkpoint";
import { type MetricsRecord, decodeMetricsLog, decodeMetricsRecord, encodeMetricsRecord } from "./metrics-record";
import { TrainingSession } from "./session";
import { DEFAULT_OPTIMISER, type StepMetrics, Trainer, type TrainingConfig } from "./trainer";

const SMALL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 };
const CONFIG: TrainingConfig = { model: SMALL, objective: { kind: "beta", beta: 4 }, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3 };

async function trainer(config = CONFIG): Promise<Trainer> {
  return new Trainer(await WasmBackend.create(), config, new SquaresSource(16, config.seed + 1));
}

const noYield = () => Promise.resolve();

describe("TrainingSession", () => {
  it("trains exactly as the trainer stepped by hand, logging every logEvery-th step and the last in the log's format", async () => {
    const byHand = await trainer();
    const losses: number[] = [];
    for (let i = 0; i < 7; i++) losses.push((await byHand.trainStep()).loss);

    const records: MetricsRecord[] = [];
    const session = new TrainingSession(await trainer(), {
      logEvery: 3, backend: { name: "wasm-test", threads: 1 }, onRecord: (r) => void records.push(r), yieldBetweenSteps: noYield,
    });
    expect(await session.run(7)).toBe("finished");
    expect(records.map((r) => r.step)).toEqual([3, 6, 7]);
    // every step, as seen by onStep, is the trainer's own
    const stepLosses: number[] = [];
    const more = new TrainingSession(await trainer(), { logEvery: 1, onStep: (s) => void stepLosses.push(s.metrics.loss), yieldBetweenSteps: noYield });
    await more.run(7);
    expect(stepLosses).toEqual(losses);
    expect(records[2].loss).toBe(losses[6]);

    const line = encodeMetricsRecord(records[0]);
    expect(Object.keys(JSON.parse(line))).toEqual(
      ["step", "recon", "kl", "klPerLatent", "meanStdPerLatent", "C", "beta", "loss", "terms", "gradNorm", "imagesPerSec", "seconds", "backend", "threads"]);
    expect(records[0]).toMatchObject({ step: 3, C: null, beta: 4, backend: "wasm-test", threads: 1 });
    expect(records[0].terms).toEqual({ betaKl: expect.any(Number) }); // the objective's terms, by name
    expect(records[0].klPerLatent).toHaveLength(4);
    expect(records[0].meanStdPerLatent).toHaveLength(4);
    expect(decodeMetricsLog(records.map(encodeMetricsRecord).join("\n") + "\n\n", "log")).toEqual(records);
  });

  it("stops after the current step when aborted, and saves every N steps, at the end and on abort", async () => {
    const saved: number[] = [];
    const controller = new AbortController();
    const session = new TrainingSession(await trainer(), {
      checkpoints: { every: 2, app: () => ({ dataset: "squares" }), write: (bytes, step) => {
        expect(decodeCheckpoint(bytes)).toMatchObject({ app: { dataset: "squares" }, state: { step } });
        saved.push(step);
      } },
      onStep: (s) => { if (s.metrics.step === 5) controller.abort(); },
      yieldBetweenSteps: noYield,
    });
    expect(await session.run(100, controller.signal)).toBe("aborted");
    expect(session.step).toBe(5);
    expect(saved).toEqual([2, 4, 5]);
    expect(await session.run(6)).toBe("finished");
    expect(saved).toEqual([2, 4, 5, 6]); // step 6 is both a multiple of 2 and the end: saved once
    expect(await session.run(6)).toBe("finished"); // nothing to do: nothing saved
    expect(saved).toEqual([2, 4, 5, 6]);
  });

  it("resumes from a checkpoint bitwise, and changes the objective (C going on from where it stands) and learning rate", async () => {
    const straight = new TrainingSession(await trainer(), { yieldBetweenSteps: noYield });
    const losses: number[] = [];
    await straight.run(3);
    const bytes = await straight.encodeCheckpoint();
    for (let i = 0; i < 2; i++) losses.push((await straight.trainStep()).metrics.loss);
    const resumed = new TrainingSession(await trainer());
    resumed.resume(decodeCheckpoint(bytes));
    expect(resumed.step).toBe(3);
    expect([(await resumed.trainStep()).metrics.loss, (await resumed.trainStep()).metrics.loss]).toEqual(losses);

    const config = structuredClone(CONFIG);
    const t = await trainer(config);
    const session = new TrainingSession(t, { yieldBetweenSteps: noYield });
    await session.trainStep();
    expect(session.setObjective({ kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 10 })).toEqual({ kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 10 });
    session.setLearningRate(1e-4);
    expect((await session.trainStep()).metrics.capacity).toBeCloseTo(0.5, 6);
    // a new C_max mid-schedule: a ramp from C = 1 at update 2, not a jump
    expect(session.setObjective({ kind: "capacity", gamma: 100, capacityMax: 3, capacitySteps: 10 })).toHaveProperty("rampFrom", { step: 2, capacity: 1 });
    expect(t.config.optimiser.lr).toBe(1e-4);
    expect(config).toEqual(CONFIG); // the caller's config is not written to
    expect(() => session.setLearningRate(0)).toThrow(/lr must be a positive number, got 0/);
    expect(() => session.setObjective({ kind: "beta", beta: -1 })).toThrow(/beta must be a non-negative number/);
    expect(() => new TrainingSession(t, { logEvery: 0 })).toThrow(/logEvery must be a positive integer, got 0/);
  });

  it("reads the latent watch on each logged step: five readings of KL without spread warn at step 5·logEvery", async () => {
    // a trainer whose latent 1 holds 1 nat with a still mean from the first step on
    let step = 0;
    const fake = {
      config: CONFIG, get step() { return step; },
      trainStep: async (): Promise<StepMetrics> => ({ step: ++step, loss: 1, recon: 1, kl: 1, klPerLatent: [0.1, 1, 0.1, 0.1], capacity: null, klWeight: 4, gradNorm: 1, terms: { betaKl: 4 } }),
      meanSpread: async () => [1, 0.01, 1, 1],
    } as unknown as Trainer;
    const warned: number[] = [];
    for (const logEvery of [10, 50]) {
      step = 0;
      const session = new TrainingSession(fake, { logEvery, onWarning: (u) => void warned.push(u.step), yieldBetweenSteps: noYield });
      await session.run(400);
    }
    expect(warned).toEqual([50, 250]);
  });

  it("decodes old log lines and names the line of a bad one", () => {
    expect(decodeMetricsRecord('{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null,"extra":1}', "x")).toEqual({ step: 1, recon: 9, kl: 0.1, klPerLatent: [0.1], C: null });
    expect(() => decodeMetricsLog('{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null}\n{"step":2,\n', "m.jsonl")).toThrow("m.jsonl line 2 is not JSON");
    expect(() => decodeMetricsRecord('{"step":1,"kl":0.1,"klPerLatent":[0.1],"C":null}', "l")).toThrow("l lacks step, recon, kl, klPerLatent or C");
    expect(() => decodeMetricsRecord('{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null,"meanStdPerLatent":[1,2]}', "l"))
      .toThrow("l has a meanStdPerLatent that does not match its klPerLatent");
    expect(() => decodeMetricsRecord('{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null,"loss":"x"}', "l")).toThrow("l has a loss that is not a number");
    expect(() => decodeMetricsRecord("3", "l")).toThrow("l lacks step");
    expect(() => decodeMetricsRecord('{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null,"terms":{"tc":"x"}}', "l")).toThrow("l has terms that are not numbers by name");
  });
});
