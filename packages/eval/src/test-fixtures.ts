// Fixtures for the tests: a small synthetic dataset and encoders with known answers.
import { Rng } from "@betavae/core";
import { type Factor, type FactorDataset, FactorGrid, checkBatchBuffers, linspace } from "@betavae/datasets";
import type { Encoder } from "./encoder";

/**
 * A grid of factors (a constant one first, as dSprites' colour) with 16×16 images that are a
 * fixed function of the factor indices.
 */
export function syntheticDataset(sizes: number[]): FactorDataset {
  const all = [1, ...sizes];
  const factors: Factor[] = all.map((size, i) => ({ name: i === 0 ? "const" : `f${i}`, size, values: linspace(0, 1, size) }));
  const grid = new FactorGrid(all);
  const ds: FactorDataset = {
    name: "synthetic", height: 16, width: 16, channels: 1, imageSize: 256, factors, size: grid.size,
    indexToFactors: (index, out) => grid.indexToFactors(index, out),
    factorsToIndex: (f) => grid.factorsToIndex(f),
    render(f, out, offset = 0) {
      grid.check(f);
      for (let p = 0; p < 256; p++) {
        let v = p * 7;
        for (let i = 0; i < f.length; i++) v += f[i] * (3 + i) * (p % (5 + i));
        out[offset + p] = (v % 11) / 10;
      }
    },
    sampleBatch(rng, n, images, factorsOut) {
      checkBatchBuffers(ds, n, images, factorsOut);
      const f = new Int32Array(all.length);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < all.length; k++) f[k] = rng.int(all[k]);
        factorsOut?.set(f, i * all.length);
        ds.render(f, images, i * 256);
      }
    },
  };
  return ds;
}

/** An encoder computing each code from the factor indices alone. */
export function factorCodeEncoder(dataset: FactorDataset, latents: number, code: (factors: Int32Array, out: Float32Array) => void, description = "synthetic"): Encoder {
  const k = dataset.factors.length;
  return {
    description, latents, imageSize: null, batch: 256,
    async encode(_images, factors, count, out) {
      for (let n = 0; n < count; n++) code(factors.subarray(n * k, (n + 1) * k), out.subarray(n * latents, (n + 1) * latents));
    },
  };
}

/** Pure noise: every image gets its own i.i.d. N(0, 1) code (fixed once drawn, as the cache keeps it). */
export function noiseEncoder(dataset: FactorDataset, latents: number, seed: number): Encoder {
  const rng = new Rng(seed);
  return factorCodeEncoder(dataset, latents, (_f, out) => {
    for (let j = 0; j < latents; j++) out[j] = rng.normal();
  }, "noise");
}
