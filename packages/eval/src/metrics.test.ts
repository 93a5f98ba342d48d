// The three metrics on codes with known answers: the factors themselves (≈ 1), a rotation
// that mixes two factors (clearly lower), and pure noise (chance: 1/K for the classifiers,
// ≈ 0 for MIG). Dataset: four factors of 8 values (4096 images) plus a constant factor,
// which every metric must leave out. Sample counts are reduced; the scores still separate.
import { createDataset } from "@betavae/datasets";
import { describe, expect, it } from "vitest";
import { betaVaeMetric } from "./betavae-metric";
import { CodeCache } from "./cache";
import { type Encoder, groundTruthEncoder } from "./encoder";
import { evaluate } from "./evaluate";
import { factorVaeMetric } from "./factorvae-metric";
import { migMetric } from "./mig";
import { factorCodeEncoder, noiseEncoder, syntheticDataset } from "./test-fixtures";

const ds = syntheticDataset([8, 8, 8, 8]);
const K = 4;
const SMALL = {
  betavae: { trainPoints: 1000, evalPoints: 1000 },
  factorvae: { trainVotes: 1000, evalVotes: 1000, varianceSamples: 2000 },
  mig: { samples: 10000 },
};

const identity = groundTruthEncoder(ds);
/** The standardised factors with f1 and f2 rotated by 45° into each other. */
const rotation = (() => {
  const std = Math.sqrt((8 * 8 - 1) / 12);
  const s = (i: number) => (i - 3.5) / std;
  return factorCodeEncoder(ds, K, (f, out) => {
    out[0] = (s(f[1]) + s(f[2])) / Math.SQRT2;
    out[1] = (s(f[1]) - s(f[2])) / Math.SQRT2;
    out[2] = s(f[3]);
    out[3] = s(f[4]);
  }, "rotation");
})();

async function scores(encoder: Encoder) {
  const cache = new CodeCache(ds, encoder);
  return {
    betavae: await betaVaeMetric(cache, SMALL.betavae),
    factorvae: await factorVaeMetric(cache, SMALL.factorvae),
    mig: await migMetric(cache, SMALL.mig),
  };
}

describe("metrics on synthetic codes", () => {
  it("score the factors themselves ≈ 1", async () => {
    const r = await scores(identity);
    expect(r.betavae.evalAccuracy).toBeGreaterThan(0.99);
    expect(r.betavae.trainAccuracy).toBeGreaterThan(0.99);
    expect(r.factorvae.evalAccuracy).toBe(1);
    expect(r.mig.score).toBeGreaterThan(0.98);
    for (const m of Object.values(r)) expect(m.factors).toEqual(["f1", "f2", "f3", "f4"]); // the constant factor is left out
    expect(r.factorvae.assignment).toEqual({ z0: "f1", z1: "f2", z2: "f3", z3: "f4" });
  });

  it("score a rotation mixing two factors clearly lower: those two cannot be told apart", async () => {
    const r = await scores(rotation);
    // two of four factors confused: (1 + 1 + ½ + ½) / 4 = 0.75 for the classifiers, (1 + 1) / 4 for MIG
    expect(r.betavae.evalAccuracy).toBeGreaterThan(0.65);
    expect(r.betavae.evalAccuracy).toBeLessThan(0.85);
    expect(r.factorvae.evalAccuracy).toBeGreaterThan(0.65);
    expect(r.factorvae.evalAccuracy).toBeLessThan(0.85);
    expect(r.mig.score).toBeGreaterThan(0.4);
    expect(r.mig.score).toBeLessThan(0.6);
    expect(r.mig.perFactor.map((f) => f.gap > 0.9)).toEqual([false, false, true, true]);
    // the BetaVAE classifier's mistakes are exactly between the two mixed factors
    const c = r.betavae.confusion;
    expect(c.flat().reduce((a, b) => a + b, 0)).toBe(SMALL.betavae.evalPoints);
    expect(c.reduce((right, row, k) => right + row[k], 0) / SMALL.betavae.evalPoints).toBe(r.betavae.evalAccuracy);
    for (const k of [2, 3]) expect(c[k].filter((n, j) => j !== k && n > 0)).toEqual([]);
    expect(c[0][1] + c[1][0]).toBeGreaterThan(0.2 * (c[0][0] + c[0][1] + c[1][0] + c[1][1]));
    expect(c[0][2] + c[0][3] + c[1][2] + c[1][3]).toBe(0);
  });

  it("score pure noise at chance", async () => {
    const r = await scores(noiseEncoder(ds, 6, 5));
    expect(Math.abs(r.betavae.evalAccuracy - 1 / K)).toBeLessThan(0.06);
    expect(Math.abs(r.factorvae.evalAccuracy - 1 / K)).toBeLessThan(0.06);
    expect(r.mig.score).toBeLessThan(0.02);
  });

  it("FactorVAE drops collapsed latents, and scores 0 when none is left", async () => {
    const withDead = factorCodeEncoder(ds, 5, (f, out) => {
      for (let j = 0; j < 4; j++) out[j] = f[j + 1];
      out[4] = 0.01 * (f[1] % 2); // std ≈ 0.005 < 0.05
    });
    const r = await factorVaeMetric(new CodeCache(ds, withDead), SMALL.factorvae);
    expect(r.activeLatents).toEqual([0, 1, 2, 3]);
    expect(r.evalAccuracy).toBe(1);
    const dead = await factorVaeMetric(new CodeCache(ds, factorCodeEncoder(ds, 3, (_f, out) => out.fill(0.5))), SMALL.factorvae);
    expect(dead).toMatchObject({ activeLatents: [], trainAccuracy: 0, evalAccuracy: 0, score: 0 });
  });

  it("record their sample counts and seed, and repeat exactly from them", async () => {
    const a = await evaluate(ds, rotation, { seed: 3, samples: { betavaeTrain: 200, betavaeEval: 100, factorvaeTrain: 200, factorvaeEval: 100, factorvaeVariance: 500, migSamples: 1000 } });
    expect(a.results.map((r) => r.metric)).toEqual(["betavae", "factorvae", "mig"]);
    expect(a.results[0]).toMatchObject({ seed: 3, trainPoints: 200, evalPoints: 100, batchSize: 64, encoder: "rotation", dataset: "synthetic" });
    expect(a.results[1]).toMatchObject({ seed: 3, trainVotes: 200, evalVotes: 100, varianceSamples: 500, stdThreshold: 0.05, batchSize: 64 });
    expect(a.results[2]).toMatchObject({ seed: 3, samples: 1000, bins: 20 });
    // a metric draws from its own stream: alone, or after the others, it scores the same
    const alone = await evaluate(ds, rotation, { seed: 3, metrics: ["mig"], samples: a.samples });
    expect(alone.results[0].score).toBe(a.results[2].score);
    const again = await evaluate(ds, rotation, { seed: 3, samples: a.samples });
    expect(again.results.map((r) => r.score)).toEqual(a.results.map((r) => r.score));
    // encode once: 64 pairs per point re-use images, each encoded once
    expect(a.imagesEncoded).toBeLessThanOrEqual(ds.size);
    expect(a.codesRequested).toBe(300 * 128 + 500 + 300 * 64 + 1000);
  });
});

describe("ground truth on dSprites", () => {
  // reduced counts (1,000 training and 500 evaluation points or votes, 1,000 variance samples); the full defaults score 1.0 too
  it("scores BetaVAE and FactorVAE ≥ 0.99 with colour (a constant) left out", async () => {
    const dsprites = createDataset("dsprites");
    const r = await evaluate(dsprites, groundTruthEncoder(dsprites), {
      metrics: ["betavae", "factorvae"],
      samples: { betavaeTrain: 1000, betavaeEval: 500, factorvaeTrain: 1000, factorvaeEval: 500, factorvaeVariance: 1000 },
    });
    for (const m of r.results) {
      expect(m.score).toBeGreaterThanOrEqual(0.99);
      expect(m.factors).toEqual(["shape", "scale", "orientation", "posX", "posY"]);
    }
  });
});
