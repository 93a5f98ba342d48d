import { describe, expect, it } from "vitest";
import { GaussianBlobs } from "./blobs.ts";
import { ColorDSprites } from "./color-dsprites.ts";
import { DSprites } from "./dsprites.ts";
import { createDataset, DATASET_NAMES, ImageSampler, type DatasetName } from "./index.ts";
import { Rng } from "@betavae/core";

describe("coloured dSprites", () => {
  const color = new ColorDSprites(), mono = new DSprites();

  it("is the dSprites mask times one colour from U(0.5, 1)³ per image", () => {
    expect([color.height, color.width, color.channels, color.imageSize, color.size]).toEqual([64, 64, 3, 12288, 737280]);
    const imgs = new Float32Array(32 * 12288), f = new Int32Array(32 * 6), mask = new Float32Array(4096);
    color.sampleBatch(new Rng(4), 32, imgs, f);
    const colours = new Set<string>();
    for (let n = 0; n < 32; n++) {
      mono.render(f.subarray(n * 6, n * 6 + 6), mask);
      let rgb: number[] | undefined;
      let mismatches = 0;
      for (let i = 0; i < 4096; i++) {
        const px = Array.from(imgs.subarray(n * 12288 + 3 * i, n * 12288 + 3 * i + 3));
        if (mask[i] === 0) {
          if (px.some((v) => v !== 0)) mismatches++;
        } else {
          rgb ??= px;
          if (px.some((v, k) => v !== rgb![k])) mismatches++;
        }
      }
      expect(mismatches).toBe(0);
      expect(rgb!.every((v) => v >= 0.5 && v < 1)).toBe(true);
      colours.add(rgb!.join(","));
    }
    expect(colours.size).toBe(32);
  });

  it("renders a fixed colour per factor vector without an rng, and the rng's colour with one", () => {
    const a = new Float32Array(12288), b = new Float32Array(12288);
    color.render([0, 1, 3, 7, 10, 20], a);
    color.render([0, 1, 3, 7, 10, 20], b);
    expect(a).toEqual(b);
    color.render([0, 1, 3, 7, 10, 20], a, 0, new Rng(1));
    color.render([0, 1, 3, 7, 10, 20], b, 0, new Rng(1));
    expect(a).toEqual(b);
    color.render([0, 1, 3, 7, 10, 20], b, 0, new Rng(2));
    expect(a).not.toEqual(b);
  });
});

describe("Gaussian blobs", () => {
  const blobs = new GaussianBlobs();

  it("has factors x and y over 32 positions each", () => {
    expect(blobs.factors.map((f) => [f.name, f.size])).toEqual([["x", 32], ["y", 32]]);
    expect(blobs.size).toBe(1024);
    expect(blobs.centers[0]).toBe(10);
    expect(blobs.centers[31]).toBe(54);
  });

  it("puts one blob of peak ≈ 1 where its factors say, and keeps it inside the frame", () => {
    const img = new Float32Array(4096);
    for (const [fx, fy] of [[0, 0], [31, 0], [0, 31], [31, 31], [13, 22]]) {
      blobs.render([fx, fy], img);
      let best = 0, at = 0, edge = 0;
      for (let i = 0; i < 4096; i++) {
        if (img[i] > best) { best = img[i]; at = i; }
        const x = i % 64, y = i >> 6;
        if (x === 0 || y === 0 || x === 63 || y === 63) edge = Math.max(edge, img[i]);
      }
      expect(Math.abs((at % 64) + 0.5 - blobs.centers[fx])).toBeLessThanOrEqual(0.5);
      expect(Math.abs((at >> 6) + 0.5 - blobs.centers[fy])).toBeLessThanOrEqual(0.5);
      expect(best).toBeGreaterThan(0.97);
      expect(edge).toBeLessThan(Math.exp(-4.5)); // beyond 3σ
      expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  it("accepts other sizes and rejects a blob that cannot fit", () => {
    const small = new GaussianBlobs({ size: 32, positions: 8, sigma: 2 });
    expect([small.width, small.imageSize, small.size]).toEqual([32, 1024, 64]);
    expect(() => new GaussianBlobs({ size: 16, sigma: 4 })).toThrow(RangeError);
  });
});

describe("createDataset and ImageSampler", () => {
  it("creates every named dataset, each rendering into [0, 1]", () => {
    for (const name of DATASET_NAMES) {
      const ds = createDataset(name);
      expect(ds.name).toBe(name);
      expect(ds.factors.reduce((p, f) => p * f.size, 1)).toBe(ds.size);
      const imgs = new Float32Array(4 * ds.imageSize);
      ds.sampleBatch(new Rng(1), 4, imgs);
      expect(imgs.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    expect(() => createDataset("mnist" as DatasetName)).toThrow(/unknown dataset 'mnist'/);
  });

  it("continues the same batch stream after its state is saved and restored", () => {
    for (const name of DATASET_NAMES) {
      const ds = createDataset(name);
      const a = new ImageSampler(ds, 123), imgs = new Float32Array(8 * ds.imageSize);
      a.next(imgs);
      const saved = JSON.parse(JSON.stringify(a.getState()));
      const expected = new Float32Array(8 * ds.imageSize);
      a.next(expected);
      const b = new ImageSampler(ds, 999);
      b.setState(saved);
      const got = new Float32Array(8 * ds.imageSize);
      b.next(got);
      expect(got.every((v, i) => v === expected[i])).toBe(true);
    }
  });

  it("refuses a state from another dataset and a buffer that is not whole images", () => {
    const s = new ImageSampler(createDataset("blobs"), 1);
    expect(() => s.setState(new ImageSampler(createDataset("dsprites"), 1).getState())).toThrow(/dataset 'dsprites'/);
    expect(() => s.next(new Float32Array(4097))).toThrow(RangeError);
  });
});
