import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { DSprites } from "./dsprites.ts";
import { DatasetFileError } from "./errors.ts";
import { loadDspritesNpzFile, openDataFile, writeImageGridPng } from "./node.ts";
import { encodeNpy } from "./npy.ts";
import { makeFakeNpz } from "./npz-fixtures.ts";
import { StreamedImages } from "./streamed-images.ts";
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

  it("opens a data file by what it holds: the dSprites .npz, a uint8 .npy image array", () => {
    const npz = join(dir, "any-name.bin");
    writeFileSync(npz, makeFakeNpz(4).bytes);
    expect(() => openDataFile(npz)).toThrow(/any-name\.bin: latents_classes\.npy lists 4 images, dSprites has 737280/);
    const full = join(dir, "dsprites.npz");
    writeFileSync(full, "PK\u0003\u0004 not really a zip");
    expect(() => openDataFile(full)).toThrow(DatasetFileError);

    const pixels = Uint8Array.from({ length: 3 * 16 * 16 * 3 }, (_, i) => i % 256);
    const npy = join(dir, "faces.npy");
    writeFileSync(npy, encodeNpy("|u1", [3, 16, 16, 3], pixels));
    const set = openDataFile(npy) as StreamedImages;
    expect(set).toBeInstanceOf(StreamedImages);
    expect([set.name, set.height, set.width, set.channels, set.count]).toEqual(["faces.npy", 16, 16, 3, 3]);
    const image = new Float32Array(768);
    set.copyImage(2, image);
    expect(image[0]).toBe(Math.fround((2 * 768) % 256 / 255));
    const grey = join(dir, "grey.npy");
    writeFileSync(grey, encodeNpy("|u1", [2, 16, 32], new Uint8Array(2 * 16 * 32)));
    expect((openDataFile(grey) as StreamedImages).channels).toBe(1);
  });

  it("refuses an unknown, unreadable or malformed data file in one line", () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello");
    const oneLine = (f: () => unknown, pattern: RegExp) => {
      expect(f).toThrow(DatasetFileError);
      expect(f).toThrow(pattern);
      try {
        f();
      } catch (e) {
        expect((e as Error).message).not.toContain("\n");
      }
    };
    oneLine(() => openDataFile(text), /notes\.txt is not a dataset file this version reads \(it reads the dSprites \.npz .*; a uint8 \.npy image array/);
    oneLine(() => openDataFile(join(dir, "missing.npy")), /cannot read .*missing\.npy: no such file/);
    oneLine(() => openDataFile(dir), /is a directory/);
    const write = (name: string, descr: string, shape: number[], data: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, encodeNpy(descr, shape, data));
      return path;
    };
    oneLine(() => openDataFile(write("f.npy", "<f4", [1, 16, 16], new Uint8Array(1024))), /f\.npy has dtype <f4, an image array is uint8/);
    oneLine(() => openDataFile(write("v.npy", "|u1", [256], new Uint8Array(256))), /v\.npy has shape \(256\), an image array is \(N, H, W\)/);
    oneLine(() => openDataFile(write("c.npy", "|u1", [1, 4, 4, 2], new Uint8Array(32))), /has shape \(1, 4, 4, 2\)/);
    const short = write("short.npy", "|u1", [2, 4, 4], new Uint8Array(32));
    writeFileSync(short, readFileSync(short).subarray(0, -5));
    oneLine(() => openDataFile(short), /short\.npy/);
  });
});
