import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, imageGrid } from "./png.ts";

describe("PNG grids", () => {
  it("computes the standard CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("lays images out in a grid with a gap", () => {
    // three 2×3 gray images with values 0.1, 0.2, 0.3
    const imgs = new Float32Array(3 * 6);
    for (let n = 0; n < 3; n++) imgs.fill((n + 1) / 10, n * 6, (n + 1) * 6);
    const g = imageGrid(imgs, { count: 3, height: 2, width: 3, channels: 1, columns: 2, gap: 1, gapValue: 1 });
    expect([g.width, g.height, g.channels]).toEqual([2 * 3 + 3, 2 * 2 + 3, 1]);
    const at = (x: number, y: number) => g.data[y * g.width + x];
    expect(at(0, 0)).toBe(255);
    expect(at(1, 1)).toBe(Math.round(0.1 * 255));
    expect(at(5, 2)).toBe(Math.round(0.2 * 255));
    expect(at(1, 4)).toBe(Math.round(0.3 * 255));
    expect(at(5, 4)).toBe(255); // the empty fourth cell is background
  });

  it("round-trips gray and RGB grids through encode → pngjs decode", () => {
    for (const channels of [1, 3] as const) {
      const count = 5, h = 7, w = 9;
      const imgs = new Float32Array(count * h * w * channels);
      for (let i = 0; i < imgs.length; i++) imgs[i] = ((i * 37) % 256) / 255;
      const grid = imageGrid(imgs, { count, height: h, width: w, channels, gap: 2, zoom: 2 });
      const png = PNG.sync.read(Buffer.from(encodePng(grid)));
      expect([png.width, png.height]).toEqual([grid.width, grid.height]);
      for (let p = 0; p < grid.width * grid.height; p++) {
        const rgb = channels === 1 ? [grid.data[p], grid.data[p], grid.data[p]] : Array.from(grid.data.subarray(3 * p, 3 * p + 3));
        if (png.data[4 * p] !== rgb[0] || png.data[4 * p + 1] !== rgb[1] || png.data[4 * p + 2] !== rgb[2] || png.data[4 * p + 3] !== 255) {
          throw new Error(`pixel ${p} differs: ${Array.from(png.data.subarray(4 * p, 4 * p + 4))} vs ${rgb}`);
        }
      }
    }
  });

  it("rejects bad sizes", () => {
    expect(() => imageGrid(new Float32Array(10), { count: 2, height: 2, width: 3, channels: 1 })).toThrow(RangeError);
    expect(() => encodePng({ width: 0, height: 1, channels: 1, data: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe("crc32", () => {
  it("agrees with a bitwise reference on every length and split", async () => {
    const { crc32Update } = await import("./crc32.ts");
    const bitwise = (b: Uint8Array) => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const bytes = new Uint8Array(100).map((_, i) => (i * 97 + 13) & 0xff);
    for (let n = 0; n <= 100; n += 7) {
      const b = bytes.subarray(0, n);
      expect(crc32(b)).toBe(bitwise(b));
      const split = n >> 1;
      expect(crc32Update(crc32Update(0, b.subarray(0, split)), b.subarray(split))).toBe(bitwise(b));
    }
  });
});
