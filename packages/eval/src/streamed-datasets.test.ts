// Metrics on factor datasets streamed from disk: MPI3D's .npz (written with encodeNpz) and
// Shapes3D's .h5 (written with h5wasm), each a small grid in the real layout. The ground-truth
// encoder scores MIG near 1 (the factors the dataset reports are those of the rows it reads), and
// an untrained network's score, which reads every image it encodes from the file, repeats.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FactorGrid, encodeNpz } from "@betavae/datasets";
import { type StreamedFactorDataset, openDataFile, openMpi3d, writeShapes3dH5 } from "@betavae/datasets/node";
import { WasmBackend } from "@betavae/core";
import { afterAll, describe, expect, it } from "vitest";
import { groundTruthEncoder, randomEncoder } from "./encoder";
import { evaluate } from "./evaluate";

const dir = mkdtempSync(join(tmpdir(), "betavae-eval-streamed-"));
const opened: StreamedFactorDataset[] = [];
afterAll(() => {
  for (const d of opened) d.close();
  rmSync(dir, { recursive: true, force: true });
});

/** MPI3D-shaped images: band k of the picture is factor k's index, scaled to 0 … 255. */
function mpi3dFile(sizes: number[]): string {
  const grid = new FactorGrid(sizes), image = 64 * 64 * 3;
  const pixels = new Uint8Array(grid.size * image), f = new Int32Array(7);
  for (let row = 0; row < grid.size; row++) {
    grid.indexToFactors(row, f);
    for (let p = 0; p < image; p++) {
      const k = Math.floor(p / (image / 8)) % 7;
      pixels[row * image + p] = sizes[k] > 1 ? Math.round((255 * f[k]) / (sizes[k] - 1)) : 0;
    }
  }
  const path = join(dir, "mpi3d_real.npz");
  writeFileSync(path, encodeNpz({ images: { descr: "|u1", shape: [grid.size, 64, 64, 3], data: pixels } }));
  return path;
}

async function scores(ds: StreamedFactorDataset) {
  const truth = await evaluate(ds, groundTruthEncoder(ds), { metrics: ["mig"], samples: { migSamples: 400 }, seed: 1 });
  const backend = await WasmBackend.create();
  const random = async () => (await evaluate(ds, randomEncoder(backend, ds, 1, 16), { metrics: ["mig"], samples: { migSamples: 48 }, seed: 2 }));
  const [a, b] = [await random(), await random()];
  backend.dispose();
  return { truth, a, b };
}

describe("metrics on streamed factor datasets", () => {
  it("MPI3D's .npz: ground truth scores MIG near 1, an untrained network the same score twice", async () => {
    const path = mpi3dFile([2, 2, 2, 1, 3, 2, 2]);
    const ds = openMpi3d(path, { factorSizes: [2, 2, 2, 1, 3, 2, 2] });
    opened.push(ds);
    const { truth, a, b } = await scores(ds);
    expect(truth.results[0].score).toBeGreaterThan(0.95); // 1 less the chance MI between independent factors in the samples
    expect(truth.results[0].factors).toEqual(["object colour", "object shape", "object size", "background colour", "horizontal axis", "vertical axis"]);
    expect(a.imagesEncoded).toBeGreaterThan(0);
    expect(a.results[0].score).toBe(b.results[0].score);
  });

  it("Shapes3D's .h5: ground truth scores MIG near 1, an untrained network the same score twice", async () => {
    const path = join(dir, "3dshapes.h5");
    await writeShapes3dH5(path, [2, 2, 2, 2, 2, 2]);
    const ds = openDataFile(path) as StreamedFactorDataset;
    opened.push(ds);
    const { truth, a, b } = await scores(ds);
    expect(truth.results[0].score).toBeGreaterThan(0.95); // 1 less the chance MI between independent factors in the samples
    expect(a.imagesEncoded).toBeGreaterThan(0);
    expect(a.results[0].score).toBe(b.results[0].score);
  });
});
