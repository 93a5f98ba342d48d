// Image arrays streamed from disk (a .npy, MPI3D's .npz, Shapes3D's .h5) against the same
// bytes held in memory: the same batches to the bit, prefetched or not, the same factors,
// and every malformed file refused in one line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BURGESS_CONFIG, Rng, Trainer, WasmBackend } from "@betavae/core";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetFileError } from "./errors.ts";
import { FactorGrid } from "./factor-dataset.ts";
import { ImageSet } from "./image-set.ts";
import { openDataFile, openMpi3d, openShapes3d, writeShapes3dH5 } from "./node.ts";
import { encodeNpy } from "./npy.ts";
import { encodeNpz } from "./npz-writer.ts";
import { ImageSampler } from "./sampler.ts";
import { StreamedFactorDataset } from "./streamed-factor-dataset.ts";
import { StreamedImages } from "./streamed-images.ts";
import type { ImageSource } from "./image-source.ts";

const dir = mkdtempSync(join(tmpdir(), "betavae-streamed-"));
const opened: { close(): void }[] = [];
afterAll(() => {
  for (const s of opened) s.close();
  rmSync(dir, { recursive: true, force: true });
});
const keep = <T extends { close(): void }>(s: T): T => (opened.push(s), s);

const IMAGE = 64 * 64 * 3;
const pixelsOf = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n * IMAGE }, () => rng.int(256));
};

/** Batches from `a` and `b` through samplers of one seed, the first through ready()/next() as the trainer draws them. */
async function expectSameBatches(a: ImageSource, b: ImageSource, batch: number, steps: number) {
  const sa = new ImageSampler(a, 11), sb = new ImageSampler(b, 11);
  const x = new Float32Array(batch * a.imageSize), y = new Float32Array(batch * b.imageSize);
  for (let t = 0; t < steps; t++) {
    await sa.ready(x.length);
    sa.next(x);
    sb.next(y);
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
  }
}

function oneLine(f: () => unknown, pattern: RegExp) {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DatasetFileError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain("\n");
}

describe("a .npy image array streamed from disk", () => {
  const n = 37, pixels = pixelsOf(n, 1);
  const path = join(dir, "cache.npy");
  writeFileSync(path, encodeNpy("|u1", [n, 64, 64, 3], pixels));
  const memory = new ImageSet("cache.npy", 64, 64, 3, pixels);

  it("draws the batches the in-memory image set draws, to the bit, prefetched or read on demand", async () => {
    const streamed = keep(openDataFile(path) as StreamedImages);
    expect(streamed).toBeInstanceOf(StreamedImages);
    await expectSameBatches(streamed, memory, 16, 6);
    // without ready(): each batch read synchronously
    const x = new Float32Array(5 * IMAGE), y = new Float32Array(5 * IMAGE);
    streamed.sampleBatch(new Rng(4), 5, x);
    memory.sampleBatch(new Rng(4), 5, y);
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    // a prefetch for another stream is not used for this one
    await streamed.prefetch(new Rng(99), 5);
    streamed.sampleBatch(new Rng(4), 5, x);
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
  });

  it("resumes a sampler's stream to the same batches", async () => {
    const streamed = keep(openDataFile(path) as StreamedImages);
    const s = new ImageSampler(streamed, 5), x = new Float32Array(8 * IMAGE);
    await s.ready(x.length);
    s.next(x);
    const state = JSON.parse(JSON.stringify(s.getState()));
    await s.ready(x.length);
    s.next(x);
    const again = new ImageSampler(memory, 0), y = new Float32Array(8 * IMAGE);
    again.setState(state);
    again.next(y);
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
  });

  it("refuses a truncated file in one line", () => {
    const short = join(dir, "short.npy");
    writeFileSync(short, readFileSync(path).subarray(0, -100));
    oneLine(() => openDataFile(short), /short\.npy holds 454556 data bytes, its shape \(37, 64, 64, 3\) needs 454656 \(truncated\?\)/);
    writeFileSync(short, readFileSync(path).subarray(0, 40));
    oneLine(() => openDataFile(short), /short\.npy is truncated inside its \.npy header/);
  });
});

describe("MPI3D's .npz", () => {
  const sizes = [2, 2, 2, 1, 3, 2, 2], n = 96;
  const pixels = pixelsOf(n, 2);
  const path = join(dir, "mpi3d_toy.npz");
  writeFileSync(path, encodeNpz({ images: { descr: "|u1", shape: [n, 64, 64, 3], data: pixels } }));
  const open = () => keep(openMpi3d(path, { name: "mpi3d_toy.npz", factorSizes: sizes }));

  it("is streamed from the stored entry: batches, factors and renders match the bytes in memory", async () => {
    const ds = open();
    const memory = new ImageSet("mpi3d", 64, 64, 3, pixels);
    await expectSameBatches(ds, memory, 8, 4);
    expect(ds.factors.map((f) => [f.name, f.size])).toEqual([
      ["object colour", 2], ["object shape", 2], ["object size", 2], ["camera height", 1], ["background colour", 3], ["horizontal axis", 2], ["vertical axis", 2]]);
    const x = new Float32Array(6 * IMAGE), y = new Float32Array(6 * IMAGE), factors = new Int32Array(6 * 7);
    ds.sampleBatch(new Rng(3), 6, x, factors);
    memory.sampleBatch(new Rng(3), 6, y);
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    const grid = new FactorGrid(sizes), one = new Float32Array(IMAGE), want = new Float32Array(IMAGE);
    for (let b = 0; b < 6; b++) {
      const f = factors.subarray(b * 7, b * 7 + 7);
      ds.render(f, one);
      memory.copyImage(grid.factorsToIndex(f), want);
      expect(Buffer.from(one.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(Buffer.from(one.buffer).equals(Buffer.from(x.buffer, b * IMAGE * 4, IMAGE * 4))).toBe(true);
    }
  });

  it("trains 20 steps to the same bits as the images held in memory", async () => {
    const run = async (source: ImageSource) => {
      const backend = await WasmBackend.create();
      const trainer = new Trainer(backend, {
        model: { ...BURGESS_CONFIG, channels: 3 }, objective: { kind: "beta", beta: 4 },
        optimiser: { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: 4, seed: 1,
      }, new ImageSampler(source, 2));
      const losses: number[] = [];
      for (let t = 0; t < 20; t++) losses.push((await trainer.trainStep()).loss);
      backend.dispose();
      return losses;
    };
    const streamed = await run(open());
    expect(streamed).toEqual(await run(new ImageSet("mpi3d", 64, 64, 3, pixels)));
  });

  it("is told from dSprites' .npz by its entries and refuses what it cannot stream in one line", () => {
    // openDataFile recognises it, then refuses a grid that is neither MPI3D file's
    oneLine(() => openDataFile(path), /mpi3d_toy\.npz holds 96 images; MPI3D files hold 460800 \(4 × 4 × 2 × 3 × 3 × 40 × 40\) or 1036800 \(6 × 6 × 2 × 3 × 3 × 40 × 40\)/);
    const compressed = join(dir, "compressed.npz");
    writeFileSync(compressed, zipSync({ "images.npy": [encodeNpy("|u1", [n, 64, 64, 3], pixels), { level: 6 }] }));
    oneLine(() => openDataFile(compressed), /compressed\.npz: images is compressed \(saved with np\.savez_compressed\) and cannot be streamed; re-save it uncompressed/);
    const truncated = join(dir, "truncated.npz");
    writeFileSync(truncated, readFileSync(path).subarray(0, 200_000));
    oneLine(() => openDataFile(truncated), /truncated\.npz is not a readable \.npz \(zip\) file: no end-of-central-directory record/);
    const grey = join(dir, "grey.npz");
    writeFileSync(grey, encodeNpz({ images: { descr: "|u1", shape: [2, 64, 64], data: new Uint8Array(2 * 4096) } }));
    oneLine(() => openDataFile(grey), /grey\.npz: images\.npy has shape \(2, 64, 64\), MPI3D's is \(N, 64, 64, 3\)/);
  });
});

describe("Shapes3D's .h5 through h5wasm", () => {
  const sizes = [2, 1, 2, 3, 4, 2];

  for (const chunks of [undefined, [1, 64, 64, 3]]) {
    it(`streams ${chunks ? "chunked" : "contiguous"} images: batches and renders match the bytes in memory, the grid read from the labels`, async () => {
      const path = join(dir, `shapes${chunks ? "-chunked" : ""}.h5`);
      const pixels = await writeShapes3dH5(path, sizes, { chunks });
      const ds = keep(openDataFile(path) as StreamedFactorDataset);
      expect(ds).toBeInstanceOf(StreamedFactorDataset);
      expect(ds.factors.map((f) => [f.name, f.size])).toEqual([["floor hue", 2], ["wall hue", 1], ["object hue", 2], ["scale", 3], ["shape", 4], ["orientation", 2]]);
      expect(ds.factors[3].values).toEqual([0.75, 0.75 + 0.5 / 7, 0.75 + 1 / 7]);
      const memory = new ImageSet("shapes3d", 64, 64, 3, pixels);
      await expectSameBatches(ds, memory, 8, 4);
      const x = new Float32Array(4 * IMAGE), factors = new Int32Array(4 * 6), one = new Float32Array(IMAGE), want = new Float32Array(IMAGE);
      ds.sampleBatch(new Rng(8), 4, x, factors);
      for (let b = 0; b < 4; b++) {
        const f = factors.subarray(b * 6, b * 6 + 6);
        ds.render(f, one);
        memory.copyImage(ds.factorsToIndex(f), want);
        expect(Buffer.from(one.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      }
    });
  }

  it("refuses a file without images, out of order, or truncated, in one line", async () => {
    const noImages = join(dir, "labels-only.h5");
    await writeShapes3dH5(noImages, [1, 1, 1, 1, 2, 2], { datasets: ["labels"] });
    oneLine(() => openDataFile(noImages), /labels-only\.h5 has no 'images' dataset \(it holds labels\); Shapes3D's \.h5 holds images \(N, 64, 64, 3\) uint8 and labels \(N, 6\)/);

    const ordered = new Uint8Array(24 * IMAGE);
    const badOrder = join(dir, "bad-order.h5");
    const h5wasm = (await import("h5wasm/node")).default;
    await h5wasm.ready;
    const f = new h5wasm.File(badOrder, "w");
    f.create_dataset({ name: "images", data: ordered, shape: [24, 64, 64, 3], dtype: "<B" });
    const labels = new Float64Array(24 * 6);
    for (let row = 0; row < 24; row++) {
      // orientation slowest, shape fastest: not C order of the factors
      labels[row * 6 + 2] = [0, 0.1][Math.floor(row / 12) % 2];
      labels[row * 6 + 4] = row % 3;
      labels[row * 6 + 5] = -30 + (60 / 14) * (Math.floor(row / 3) % 4);
      labels[row * 6 + 3] = 0.75;
    }
    f.create_dataset({ name: "labels", data: labels, shape: [24, 6], dtype: "<d" });
    f.close();
    // its last row and object hue's step agree with C order; row 4 (shape's step) does not
    oneLine(() => openDataFile(badOrder), /bad-order\.h5: row 4's labels are \[0, 0, 0, 0\.75, 1, -25\.71\d*\], expected \[0, 0, 0, 0\.75, 1, -30\]: the file is not ordered by floor hue, wall hue, object hue, scale, shape, orientation in C order/);

    const truncated = join(dir, "truncated.h5");
    writeFileSync(truncated, readFileSync(badOrder).subarray(0, 3000));
    oneLine(() => openShapes3d(truncated, "truncated.h5"), /^truncated\.h5 is truncated: it holds 3000 bytes, its HDF5 superblock says \d+$/);
    // cut inside the images: the metadata is whole, the pixels are not
    const intact = join(dir, "intact.h5");
    await writeShapes3dH5(intact, [1, 1, 1, 1, 2, 2]);
    writeFileSync(truncated, readFileSync(intact).subarray(0, 30_000));
    oneLine(() => openShapes3d(truncated, "truncated.h5"), /^truncated\.h5 is truncated: it holds 30000 bytes, its HDF5 superblock says 5\d{4}$/);
    writeFileSync(truncated, readFileSync(intact).subarray(0, 20));
    oneLine(() => openShapes3d(truncated, "truncated.h5"), /^truncated\.h5 is truncated inside its HDF5 superblock$/);
  });
});
