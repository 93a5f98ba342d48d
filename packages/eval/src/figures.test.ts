// The figures: KL curves (Fig. 3) plot every latent's logged KL with titled axes and a legend,
// latent heatmaps (Fig. 2) show a ramp along the axis a latent encodes, and both refuse the
// inputs they cannot draw.
import type { RasterImage } from "@betavae/datasets";
import { BetaVAE, type ModelConfig, ReferenceBackend, Rng } from "@betavae/core";
import { GaussianBlobs, encodePng } from "@betavae/datasets";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { diverging } from "./canvas";
import { groundTruthEncoder } from "./encoder";
import { latentUsage, posteriorMean, traversalFigure } from "./figures";
import { latentHeatmapFigure } from "./heatmaps";
import { type KlRecord, klCurveSpec, klOrder, switchOnOrder } from "./kl-curves";
import { factorCodeEncoder, syntheticDataset } from "./test-fixtures";

const pixel = (img: RasterImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const hasColour = (img: RasterImage, rgb: readonly number[]) => {
  for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) return true;
  return false;
};

describe("klCurveSpec", () => {
  // a capacity run: latent 0 switches on first, latent 2 later, latent 1 never
  const records: KlRecord[] = Array.from({ length: 50 }, (_, i) => ({
    step: (i + 1) * 100, C: i * 0.5, klPerLatent: [Math.min(i * 0.3, 8), 0.01, Math.max(0, (i - 25) * 0.2)],
  }));
  type Row = { x: number; latent: string; kl: number };
  const rows = (spec: ReturnType<typeof klCurveSpec>) => (spec as unknown as { data: { values: Row[] } }).data.values;
  const encoding = (spec: ReturnType<typeof klCurveSpec>) =>
    (spec as unknown as { encoding: Record<string, { field: string; title: string; scale?: { domain?: string[] } }> }).encoding;

  it("plots every logged KL of every latent against step or C, with titled axes", () => {
    for (const x of ["step", "capacity"] as const) {
      const spec = klCurveSpec(records, x);
      const values = rows(spec);
      expect(values).toHaveLength(50 * 3);
      expect(values[3 * 10 + 2]).toEqual({ x: x === "step" ? 1100 : 5, latent: "z2 4.80", kl: 0 });
      expect(values[3 * 49]).toEqual({ x: x === "step" ? 5000 : 24.5, latent: "z0 8.00", kl: 8 });
      const enc = encoding(spec);
      expect([enc.x.field, enc.x.title, enc.y.field, enc.y.title]).toEqual(["x", x === "step" ? "step" : "C (nats)", "kl", "KL (nats)"]);
    }
  });

  it("names each latent in the legend with its last KL, highest first, and leaves out non-finite values", () => {
    expect(encoding(klCurveSpec(records, "step")).color.scale?.domain).toEqual(["z0 8.00", "z2 4.80", "z1 0.01"]);
    const gap = records.map((r, i) => (i === 3 ? { ...r, klPerLatent: [Number.NaN, r.klPerLatent[1], r.klPerLatent[2]] } : r));
    expect(rows(klCurveSpec(gap, "step"))).toHaveLength(50 * 3 - 1);
  });

  it("refuses a run without C, and an empty log", () => {
    const beta = records.map((r) => ({ ...r, C: null }));
    expect(() => klCurveSpec(beta, "capacity")).toThrow(/no capacity C/);
    expect(rows(klCurveSpec(beta, "step"))).toHaveLength(150);
    expect(() => klCurveSpec([], "step")).toThrow(/no logged steps/);
    expect(() => klCurveSpec([records[0], { step: 1, C: 0, klPerLatent: [1] }], "step")).toThrow(/disagree on the number of latents/);
  });

  it("lists the latents in the order they switch on, ignoring early noise and latents that end off", () => {
    // latent 1 crosses 0.5 only at step 100-200 (noise) and ends off; latent 2 dips once after switching on
    const log: KlRecord[] = [
      { step: 100, C: 0.1, klPerLatent: [0.9, 0.8, 0.6] },
      { step: 200, C: 0.2, klPerLatent: [0.1, 0.7, 0.1] },
      { step: 300, C: 0.3, klPerLatent: [0.6, 0.2, 0.2] },
      { step: 400, C: 0.4, klPerLatent: [1.2, 0.1, 0.7] },
      { step: 500, C: 0.5, klPerLatent: [2.0, 0.1, 0.5] },
      { step: 600, C: 0.6, klPerLatent: [2.5, 0.1, 0.9] },
    ];
    expect(switchOnOrder(log)).toEqual([
      { latent: 0, step: 300, C: 0.3, finalKl: 2.5 },
      { latent: 2, step: 600, C: 0.6, finalKl: 0.9 },
    ]);
    expect(switchOnOrder(log, 1)).toEqual([{ latent: 0, step: 400, C: 0.4, finalKl: 2.5 }]);
    expect(switchOnOrder(records).map((s) => s.latent)).toEqual([0, 2]);
    expect(() => switchOnOrder([])).toThrow("no logged steps");
  });

  it("orders latents by KL, highest first, ties in index order", () => {
    expect(klOrder([0.1, 5, 0.1, 2, 0])).toEqual([1, 3, 0, 2, 4]);
  });
});

describe("latentHeatmapFigure", () => {
  it("shows a latent that encodes x as a ramp along columns, constant down rows", async () => {
    const blobs = new GaussianBlobs({ positions: 8 });
    const img = await latentHeatmapFigure(blobs, groundTruthEncoder(blobs));
    // tile of z0 (x): 8 positions of 12 px from (10, 26)
    const left = pixel(img, 10 + 6, 26 + 6), right = pixel(img, 10 + 7 * 12 + 6, 26 + 6), lowLeft = pixel(img, 10 + 6, 26 + 7 * 12 + 6);
    expect(left).toEqual([...diverging(-1)]);
    expect(right).toEqual([...diverging(1)]);
    expect(lowLeft).toEqual(left);
  });

  it("orders tiles by KL and needs exactly two varying factors", async () => {
    const ds = syntheticDataset([4, 4]);
    const enc = factorCodeEncoder(ds, 3, (f, out) => {
      out[0] = 0;
      out[1] = f[1] - 1.5;
      out[2] = f[2] - 1.5;
    });
    const img = await latentHeatmapFigure(ds, enc, [0, 1, 3]);
    // first tile is z2 (highest KL): constant along columns (f1), a ramp down rows (f2)
    const cell = 24;
    expect(pixel(img, 10 + 5, 26 + 5)).toEqual(pixel(img, 10 + 3 * cell + 5, 26 + 5));
    expect(pixel(img, 10 + 5, 26 + 5)).not.toEqual(pixel(img, 10 + 5, 26 + 3 * cell + 5));
    await expect(latentHeatmapFigure(syntheticDataset([4, 4, 2]), enc)).rejects.toThrow(/exactly 2 varying factors; synthetic has 3/);
  });
});

describe("traversalFigure", () => {
  const config: ModelConfig = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 4, hidden: 8, likelihood: "bernoulli", variance: 1 };
  const backend = new ReferenceBackend();
  const steps = 5;
  const model = BetaVAE.build(backend, config, steps);
  model.initialise(new Rng(7));
  const single = BetaVAE.build(backend, config, 1, model);
  const image = new Float32Array(16 * 16).map((_, i) => (i % 5) / 4);

  it("takes the seed image's mean from the encoder, at any batch size", async () => {
    const batched = new Float32Array(model.input.length);
    batched.set(image);
    backend.write(model.input, batched);
    model.encode();
    const row0 = (await backend.read(model.mu)).slice(0, 3);
    const mean = await posteriorMean(single, image);
    for (let j = 0; j < 3; j++) expect(mean[j]).toBeCloseTo(row0[j], 5);
  });

  it("draws row r, column s as the decoder at the mean with the r-th latent by KL set to the s-th value", async () => {
    const mean = await posteriorMean(single, image);
    const kl = [0.2, 5, 1]; // rows: z1, z2, z0
    const range = 2;
    const grid = await traversalFigure(model, mean, kl, range);
    // the reference: z1 (row 0) at its last value, +range
    const z = new Float32Array(steps * 3);
    for (let s = 0; s < steps; s++) { z.set(mean, s * 3); z[s * 3 + 1] = -range + (2 * range * s) / (steps - 1); }
    backend.write(model.z, z);
    model.decode();
    const out = await backend.read(model.output);
    const expected = out.subarray(4 * 256, 5 * 256).map((v) => 1 / (1 + Math.exp(-v)));
    // tiles are 2× zoomed with a 2 px gap, right of the label margin; the grid is 5 columns wide
    const tileWidth = 16 * 2 + 2;
    const margin = grid.width - (2 + steps * tileWidth);
    const left = margin + 2 + 4 * tileWidth;
    for (const [y, x] of [[0, 0], [7, 9], [15, 15]]) {
      const v = grid.data[((2 + y * 2) * grid.width + left + x * 2) * grid.channels];
      expect(Math.abs(v - Math.round(expected[y * 16 + x] * 255))).toBeLessThanOrEqual(1);
    }
    expect(grid.height).toBe(2 + 3 * (16 * 2 + 2));
  });

  it("refuses a mean of the wrong length", async () => {
    await expect(traversalFigure(model, [0, 0], [1, 1, 1], 2)).rejects.toThrow("mean has 2 values, the model has 3 latents");
  });
});

describe("latentUsage", () => {
  const config: ModelConfig = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 4, hidden: 8, likelihood: "bernoulli", variance: 1 };
  const backend = new ReferenceBackend();
  const model = BetaVAE.build(backend, config, 5);
  model.initialise(new Rng(7));
  const dataset = syntheticDataset([4, 3]);

  it("gives each latent's mean KL and the spread of its posterior mean over the batches", async () => {
    const usage = await latentUsage(model, dataset, 3, 4);
    expect(usage.images).toBe(20);
    // the reference: the same images, encoded batch by batch, summed in float64 two-pass
    const rng = new Rng(3), images = new Float32Array(model.input.length);
    const mus: number[][] = [[], [], []], kls = [0, 0, 0];
    for (let b = 0; b < 4; b++) {
      dataset.sampleBatch(rng, 5, images);
      backend.write(model.input, images);
      model.encode();
      const [mu, logvar] = [await backend.read(model.mu), await backend.read(model.logvar)];
      for (let i = 0; i < 15; i++) {
        mus[i % 3].push(mu[i]);
        kls[i % 3] += 0.5 * (mu[i] ** 2 + Math.exp(logvar[i]) - 1 - logvar[i]) / 20;
      }
    }
    for (let j = 0; j < 3; j++) {
      const mean = mus[j].reduce((a, b) => a + b, 0) / 20;
      const std = Math.sqrt(mus[j].reduce((a, m) => a + (m - mean) ** 2, 0) / 20);
      expect(std).toBeGreaterThan(1e-3);
      expect(usage.meanStd[j]).toBeCloseTo(std, 5);
      expect(usage.kl[j]).toBeCloseTo(kls[j], 4);
    }
  });

  it("tells a latent with KL but a constant mean from one that carries information", async () => {
    const constant = BetaVAE.build(backend, config, 5);
    constant.initialise(new Rng(7));
    const params = await backend.read(constant.paramValues);
    const slot = (name: string) => constant.parameterLayout.find((s) => s.name === name)!;
    for (let i = 0; i < config.hidden; i++) params[slot("encoder.mu.weight").offset + i * 3] = 0; // z0 ignores the image
    params[slot("encoder.mu.bias").offset] = 1.5; // and sits off the prior's centre
    backend.write(constant.paramValues, params);
    const usage = await latentUsage(constant, dataset, 3, 4);
    expect(usage.meanStd[0]).toBeLessThan(1e-6);
    expect(usage.kl[0]).toBeGreaterThan(0.5 * 1.5 ** 2 - 0.1);
    expect(usage.meanStd[1]).toBeGreaterThan(1e-3);
  });
});

