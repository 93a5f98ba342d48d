import { describe, expect, it } from "vitest";
import { iou, loadReferenceFrames } from "../scripts/reference-gif.ts";
import { DSprites, DSPRITES_BASES } from "./dsprites.ts";
import { Rng } from "@betavae/core";
import { sampleFactors } from "./factor-dataset.ts";

const ds = new DSprites();

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("dSprites factor grid", () => {
  it("has the canonical factors, sizes and values", () => {
    expect(ds.factors.map((f) => f.name)).toEqual(["color", "shape", "scale", "orientation", "posX", "posY"]);
    expect(ds.factors.map((f) => f.size)).toEqual([1, 3, 6, 40, 32, 32]);
    expect(ds.size).toBe(737280);
    expect(ds.factors[2].values.map((v) => +v.toFixed(12))).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    const o = ds.factors[3].values;
    expect(o[0]).toBe(0);
    expect(o[39]).toBeCloseTo(2 * Math.PI, 14); // both ends included
    expect(o[1]).toBeCloseTo((2 * Math.PI) / 39, 14);
    expect(ds.factors[4].values[31]).toBe(1);
    expect(ds.factors[5].values[1]).toBeCloseTo(1 / 31, 14);
    expect([ds.height, ds.width, ds.channels, ds.imageSize]).toEqual([64, 64, 1, 4096]);
  });

  it("orders images with posY fastest: bases [737280, 245760, 40960, 1024, 32, 1]", () => {
    expect(ds.grid.bases).toEqual([737280, 245760, 40960, 1024, 32, 1]);
    expect(DSPRITES_BASES).toEqual([737280, 245760, 40960, 1024, 32, 1]);
    expect(Array.from(ds.indexToFactors(1))).toEqual([0, 0, 0, 0, 0, 1]);
    expect(Array.from(ds.indexToFactors(32))).toEqual([0, 0, 0, 0, 1, 0]);
    expect(Array.from(ds.indexToFactors(1024))).toEqual([0, 0, 0, 1, 0, 0]);
    expect(Array.from(ds.indexToFactors(40960))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(Array.from(ds.indexToFactors(245760))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(Array.from(ds.indexToFactors(737279))).toEqual([0, 2, 5, 39, 31, 31]);
    expect(ds.factorsToIndex([0, 2, 3, 17, 9, 30])).toBe(2 * 245760 + 3 * 40960 + 17 * 1024 + 9 * 32 + 30);
  });

  it("round-trips index → factors → index", () => {
    const rng = new Rng(3);
    const f = new Int32Array(6);
    for (let k = 0; k < 5000; k++) {
      const index = rng.int(ds.size);
      ds.indexToFactors(index, f);
      expect(ds.factorsToIndex(f)).toBe(index);
      expect(f.every((v, i) => v >= 0 && v < ds.factors[i].size)).toBe(true);
    }
  });

  it("rejects out-of-range indices and factors", () => {
    expect(() => ds.indexToFactors(737280)).toThrow(RangeError);
    expect(() => ds.indexToFactors(-1)).toThrow(RangeError);
    expect(() => ds.factorsToIndex([0, 3, 0, 0, 0, 0])).toThrow(RangeError);
    expect(() => ds.render([0, 0, 0, 0, 0], new Float32Array(4096))).toThrow(RangeError);
  });
});

describe("dSprites rendering", () => {
  it("renders binary images", () => {
    const rng = new Rng(5);
    const imgs = new Float32Array(64 * 4096);
    ds.sampleBatch(rng, 64, imgs);
    expect(imgs.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it("matches the real dSprites frames (reference gif): every frame IoU ≥ 0.98, mean ≥ 0.999", () => {
    const frames = loadReferenceFrames();
    const img = new Float32Array(4096);
    const scores = frames.map((f) => {
      ds.render(f.factors, img);
      return iou(f.pixels, img);
    });
    expect(scores.length).toBe(320);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.98);
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThanOrEqual(0.999);
    // a handful of frames pixel for pixel: heart, ellipse, square at scale 1, orientation 0
    for (const index of [18, 210, 274]) {
      ds.render(frames[index].factors, img);
      expect(iou(frames[index].pixels, img)).toBe(1);
    }
  });

  it("never lets a sprite leave the frame: the corner positions are the same pixels shifted by 32", () => {
    const a = new Float32Array(4096), b = new Float32Array(4096);
    const problems: string[] = [];
    for (let shape = 0; shape < 3; shape++) for (let scale = 0; scale < 6; scale++) for (let o = 0; o < 40; o++) {
      ds.render([0, shape, scale, o, 0, 0], a);
      let count = 0;
      for (let i = 0; i < 4096; i++) {
        if (!a[i]) continue;
        count++;
        if (i % 64 === 0 || i < 64) problems.push(`[${shape},${scale},${o}] touches the top-left border`);
      }
      if (count === 0) problems.push(`[${shape},${scale},${o}] is empty`);
      for (const [px, py] of [[31, 0], [0, 31], [31, 31]]) {
        ds.render([0, shape, scale, o, px, py], b);
        let countB = 0, same = 0;
        for (let i = 0; i < 4096; i++) {
          if (!b[i]) continue;
          countB++;
          const x = i % 64, y = i >> 6;
          if (x === 63 || y === 63) problems.push(`[${shape},${scale},${o}] at (${px},${py}) touches the border`);
          const sx = x - (px ? 32 : 0), sy = y - (py ? 32 : 0);
          if (sx >= 0 && sy >= 0 && a[sy * 64 + sx]) same++;
        }
        if (countB !== count || same !== count) problems.push(`[${shape},${scale},${o}] at (${px},${py}): ${countB} pixels, ${same} shared, ${count} at (0,0)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("keeps the sprites inside the centre of the frame (as the real data's mean image shows)", () => {
    const rng = new Rng(11);
    const imgs = new Float32Array(256 * 4096);
    ds.sampleBatch(rng, 256, imgs);
    let outside = 0;
    for (let n = 0; n < 256; n++) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
      if (imgs[n * 4096 + y * 64 + x] && !(x >= 2 && x <= 61 && y >= 2 && y <= 61)) outside++;
    }
    expect(outside).toBe(0);
  });

  it("turns sprites counter-clockwise on screen as orientation grows", () => {
    // the heart's mass sits above its rotation centre; a quarter turn moves it to the left
    const img = new Float32Array(4096);
    const centroid = (o: number) => {
      ds.render([0, 2, 5, o, 15, 15], img);
      let sx = 0, sy = 0, n = 0;
      for (let i = 0; i < 4096; i++) if (img[i]) { sx += i % 64; sy += Math.floor(i / 64); n++; }
      return [sx / n, sy / n];
    };
    const [x0, y0] = centroid(0), [x10] = centroid(10);
    const c = ds.center(15) - 0.5; // the centre in pixel-index units (pixel i is centred on i + ½)
    expect(y0).toBeLessThan(c - 0.5); // lobes up
    expect(x10).toBeLessThan(c - 1); // after ≈ 92°: lobes to the left
    expect(x0).toBeCloseTo(c, 1); // mirror-symmetric about the vertical axis
  });
});

describe("dSprites sampling", () => {
  it("is deterministic per seed and returns the factors of what it drew", () => {
    const draw = (seed: number) => {
      const imgs = new Float32Array(16 * 4096), f = new Int32Array(16 * 6);
      ds.sampleBatch(new Rng(seed), 16, imgs, f);
      return { imgs, f };
    };
    const a = draw(9), b = draw(9), c = draw(10);
    expect(sameArray(b.imgs, a.imgs)).toBe(true);
    expect(sameArray(b.f, a.f)).toBe(true);
    expect(c.f).not.toEqual(a.f);
    const one = new Float32Array(4096);
    for (let n = 0; n < 16; n++) {
      ds.render(a.f.subarray(n * 6, n * 6 + 6), one);
      expect(sameArray(a.imgs.subarray(n * 4096, (n + 1) * 4096), one)).toBe(true);
    }
  });

  it("draws factors uniformly", () => {
    const f = sampleFactors(ds, new Rng(2), 30000);
    const shapes = [0, 0, 0];
    for (let n = 0; n < 30000; n++) shapes[f[n * 6 + 1]]++;
    for (const c of shapes) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it("checks the caller's buffers", () => {
    expect(() => ds.sampleBatch(new Rng(1), 2, new Float32Array(4096))).toThrow(/needs 8192/);
    expect(() => ds.sampleBatch(new Rng(1), 1, new Float32Array(4096), new Int32Array(5))).toThrow(RangeError);
    expect(() => ds.sampleBatch(new Rng(1), 0, new Float32Array(4096))).toThrow(RangeError);
  });
});
