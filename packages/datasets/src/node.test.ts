import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { DSprites } from "./dsprites.ts";
import { DatasetFileError } from "./errors.ts";
import { loadDspritesNpzFile, writeImageGridPng } from "./node.ts";
import { makeFakeNpz } from "./npz-fixtures.ts";
import { Rng } from "@betavae/core";

const dir = mkdtempSync(join(tmpdir(), "betavae-datasets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Node file helpers", () => {
  it("loads an .npz from disk and names the file in errors", () => {
    const path = join(dir, "subset.npz");
    writeFileSync(path, makeFakeNpz(4).bytes);
    expect(loadDspritesNpzFile(path, { allowSubset: true }).size).toBe(4);
    expect(() => loadDspritesNpzFile(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: latents_classes.npy lists 4 images`));
    expect(() => loadDspritesNpzFile(join(dir, "missing.npz"))).toThrow(DatasetFileError);
    expect(() => loadDspritesNpzFile(join(dir, "missing.npz"))).toThrow(/no such file/);
    expect(() => loadDspritesNpzFile(dir)).toThrow(/is a directory/);
  });

  it("writes a PNG grid of samples that decodes to the images", () => {
    const ds = new DSprites();
    const imgs = new Float32Array(16 * 4096);
    ds.sampleBatch(new Rng(8), 16, imgs);
    const path = join(dir, "grid.png");
    writeImageGridPng(path, imgs, { count: 16, height: 64, width: 64, channels: 1, gap: 2 });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(existsSync(path)).toBe(true);
    const png = PNG.sync.read(readFileSync(path));
    expect([png.width, png.height]).toEqual([4 * 64 + 5 * 2, 4 * 64 + 5 * 2]);
    // image 5 sits in row 1, column 1 of the grid
    const x0 = 2 + 66, y0 = 2 + 66;
    let diff = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
      if (png.data[4 * ((y0 + y) * png.width + x0 + x)] !== imgs[5 * 4096 + y * 64 + x] * 255) diff++;
    }
    expect(diff).toBe(0);
  });
});
