import { describe, expect, it } from "vitest";
import { WasmBackend } from "../backend/wasm";
import { SquaresSource } from "../testing/squares-source";
import { UninformativeKlWatch, describeUninformative, meanSpread } from "./latent-watch";
import { DEFAULT_OPTIMISER, Trainer, type TrainingConfig } from "./trainer";

describe("meanSpread", () => {
  it("is each latent's population standard deviation over the batch", () => {
    // [batch 4, latents 2]: latent 0 runs 1..4, latent 1 is constant
    const spread = meanSpread([1, 5, 2, 5, 3, 5, 4, 5], 4, 2);
    expect(spread[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(spread[1]).toBe(0);
    expect(() => meanSpread([1, 2, 3], 2, 2)).toThrow("posterior means: expected 2×2 values, got 3");
  });
});

describe("UninformativeKlWatch", () => {
  it("flags a latent with KL but a still mean after the given readings in a row, once", () => {
    const watch = new UninformativeKlWatch(3, 3);
    const kl = [3.6, 0.01, 7.7], spread = [0.03, 0.001, 0.9];
    expect(watch.observe(100, kl, spread)).toEqual([]);
    expect(watch.observe(200, kl, spread)).toEqual([]);
    expect(watch.observe(300, kl, [0.06, 0.001, 0.9])).toEqual([]); // the streak breaks
    expect(watch.observe(400, kl, spread)).toEqual([]);
    expect(watch.observe(500, kl, spread)).toEqual([]);
    const flagged = watch.observe(600, kl, spread);
    expect(flagged).toEqual([{ latent: 0, step: 600, kl: 3.6, meanStd: 0.03 }]);
    expect(watch.observe(700, kl, spread)).toEqual([]);
    expect(describeUninformative(flagged[0])).toBe(
      "z0 holds 3.60 nats of KL, yet its posterior mean spreads only 0.030 over the batch (below 0.05) at step 600: KL that carries no information about the image");
  });

  it("leaves switched-off latents and informative ones alone", () => {
    const watch = new UninformativeKlWatch(2, 1);
    expect(watch.observe(1, [0.4, 9], [0.001, 0.05])).toEqual([]);
    expect(() => watch.observe(2, [1], [1, 1])).toThrow("expected 2 latents, got KL for 1 and spreads for 2");
    expect(() => new UninformativeKlWatch(2, 0)).toThrow("readings must be a positive integer, got 0");
  });
});

describe("Trainer.meanSpread", () => {
  const config: TrainingConfig = {
    model: { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 },
    objective: { kind: "beta", beta: 4 }, optimiser: DEFAULT_OPTIMISER, batch: 8, seed: 3,
  };

  it("is zero over a batch of one image repeated, and the spread of the step's means otherwise", async () => {
    const square = new SquaresSource(16, 1);
    const repeated = {
      next(images: Float32Array) {
        const one = new Float32Array(images.length);
        square.next(one);
        for (let b = 0; b < 8; b++) images.set(one.subarray(0, 256), b * 256);
      },
      getState: () => null, setState: () => {},
    };
    const same = new Trainer(await WasmBackend.create(), config, repeated);
    await same.trainStep();
    for (const s of await same.meanSpread()) expect(s).toBeLessThan(1e-6);

    const varied = new Trainer(await WasmBackend.create(), config, new SquaresSource(16, 4));
    await varied.trainStep();
    const spread = await varied.meanSpread();
    expect(spread).toEqual(meanSpread(await varied.backend.read(varied.model.mu), 8, 4));
    expect(Math.min(...spread)).toBeGreaterThan(1e-4);
  });
});
