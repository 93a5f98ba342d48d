// The metrics' parts: numpy-equal discretisation, plug-in mutual information, the logistic
// regression, and the code cache (each image encoded once, in the encoder's batches, with
// the same codes as encoding it alone).
import { BetaVAE, ReferenceBackend, Rng } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { CodeCache } from "./cache";
import { type Encoder, modelEncoder, randomEncoder } from "./encoder";
import { accuracy, fitLogistic, lbfgs, predictLogistic } from "./logistic";
import { histogramDiscretize, mutualInformation } from "./mig";
import { syntheticDataset } from "./test-fixtures";

describe("histogramDiscretize", () => {
  it("bins as numpy.digitize(x, numpy.histogram(x, bins)[1][:-1]) − 1", () => {
    const x = Float32Array.from({ length: 11 }, (_, i) => i);
    // edges 0 2 4 6 8 (10): the maximum falls in the last bin
    expect(Array.from(histogramDiscretize(x, 1, 0, 11, 5))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4]);
    // strided: latent 1 of 2
    const codes = Float32Array.from([9, -1, 9, 0, 9, 1]);
    expect(Array.from(histogramDiscretize(codes, 2, 1, 3, 20))).toEqual([0, 10, 19]);
  });

  it("puts a constant latent in one bin", () => {
    expect(Array.from(histogramDiscretize(new Float32Array(4).fill(2), 1, 0, 4, 20))).toEqual([10, 10, 10, 10]);
  });
});

describe("mutualInformation", () => {
  it("is the entropy for a variable with itself, and 0 for independent ones", () => {
    const a = Int32Array.from({ length: 400 }, (_, i) => i % 4);
    const b = Int32Array.from({ length: 400 }, (_, i) => Math.floor(i / 4) % 5);
    expect(mutualInformation(a, 4, a, 4)).toBeCloseTo(Math.log(4), 12);
    expect(mutualInformation(a, 4, b, 5)).toBeCloseTo(0, 12);
    // b determines a's parity only: I = log 2
    const parity = Int32Array.from(a, (v) => v % 2);
    expect(mutualInformation(parity, 2, a, 4)).toBeCloseTo(Math.log(2), 12);
  });
});

describe("logistic regression", () => {
  it("L-BFGS minimises a badly scaled quadratic", () => {
    const scales = [1, 10, 100, 1000];
    const r = lbfgs((x, g) => {
      let f = 0;
      for (let i = 0; i < 4; i++) {
        f += 0.5 * scales[i] * (x[i] - i) ** 2;
        g[i] = scales[i] * (x[i] - i);
      }
      return f;
    }, new Float64Array(4), 100, 1e-8);
    expect(r.converged).toBe(true);
    Array.from(r.x).forEach((v, i) => expect(v).toBeCloseTo(i, 6));
  });

  it("separates three Gaussian classes, deterministically", () => {
    const rng = new Rng(1);
    const n = 600, d = 2, centres = [[0, 0], [4, 0], [0, 4]];
    const x = new Float64Array(n * d), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]][j] + 0.5 * rng.normal();
    }
    const fit = fitLogistic(x, y, n, d, 3);
    expect(fit.converged).toBe(true);
    expect(accuracy(fit, x, y, n)).toBe(1);
    expect(fitLogistic(x, y, n, d, 3).weights).toEqual(fit.weights);
    expect(Array.from(predictLogistic(fit, Float64Array.from([4, 0.2, 0.1, 3.9]), 2))).toEqual([1, 2]);
  });

  it("stops at maxIterations", () => {
    const x = Float64Array.from([0, 1, 2, 3]), y = Int32Array.from([0, 0, 1, 1]);
    expect(fitLogistic(x, y, 4, 1, 2, { maxIterations: 1, tolerance: 0 })).toMatchObject({ iterations: 1, converged: false });
  });
});

describe("CodeCache", () => {
  const ds = syntheticDataset([3, 4]);
  const config = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 4, hidden: 16, likelihood: "bernoulli" as const, variance: 1 };

  it("encodes each distinct image once, in the encoder's batches, with the model's means", async () => {
    const be = new ReferenceBackend();
    const model = BetaVAE.build(be, config, 5);
    model.initialise(new Rng(2));
    const inner = modelEncoder(model);
    const calls: number[] = [];
    const counting: Encoder = { ...inner, encode: (images, f, count, out) => (calls.push(count), inner.encode(images, f, count, out)) };
    const cache = new CodeCache(ds, counting);
    // 12 images, each asked for 3 times
    const factors = new Int32Array(36 * 3);
    for (let n = 0; n < 36; n++) ds.indexToFactors(n % 12, factors.subarray(n * 3, n * 3 + 3));
    const codes = await cache.codes(factors, 36);
    expect(calls).toEqual([5, 5, 2]);
    expect(cache.encoded).toBe(12);
    expect(cache.requested).toBe(36);
    await cache.codes(factors, 36);
    expect(calls).toHaveLength(3);

    // the same means as encoding image 7 alone in a batch-1 model sharing the weights
    const single = BetaVAE.build(be, config, 1, model);
    const image = new Float32Array(256);
    ds.render(ds.indexToFactors(7), image);
    be.write(single.input, image);
    single.encode();
    const mu = await be.read(single.mu);
    for (let j = 0; j < 3; j++) {
      expect(codes[7 * 3 + j]).toBeCloseTo(mu[j], 5);
      expect(codes[19 * 3 + j]).toBe(codes[7 * 3 + j]);
    }
  });

  it("refuses an encoder for another image size", () => {
    const enc = randomEncoder(new ReferenceBackend(), { ...ds, height: 32, width: 32, imageSize: 1024 }, 1, 2);
    expect(enc.description).toMatch(/random \(untrained 10-latent network, init seed 1\)/);
    expect(() => new CodeCache(ds, enc)).toThrow(/encoder takes 1024-float images, dataset synthetic has 16×16×1 = 256/);
  });
});
