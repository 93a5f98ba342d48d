// bvae on files streamed from disk, in process: training on Shapes3D's .h5 (written here with
// h5wasm in the real layout, a small grid of its factor values), a metric run on it, and the
// one line each malformed file gets.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpz } from "@betavae/datasets";
import { writeShapes3dH5 } from "@betavae/datasets/node";
import { describe, expect, it } from "vitest";
import { main } from "./bvae";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const tmp = () => mkdtempSync(join(tmpdir(), "bvae-data-files-"));
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("Shapes3D's .h5", () => {
  it("trains 20 steps streamed from the file, and bvae eval scores MIG on its factors", async () => {
    const dir = tmp();
    const file = join(dir, "3dshapes.h5");
    await writeShapes3dH5(file, [2, 2, 2, 2, 2, 3]);
    const run = join(dir, "run");
    expect(await main(["train", "--data-file", file, "--steps", "20", "--batch", "8", "--log-every", "10", "--out", run])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/^training shapes3d \(.*3dshapes\.h5\), β-VAE/m);
    expect(json(join(run, "config.json"))).toMatchObject({ dataFile: file, training: { model: { height: 64, width: 64, channels: 3 } } });
    const lines = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([10, 20]);
    for (const l of lines) expect(Number.isFinite(l.recon) && Number.isFinite(l.kl)).toBe(true);

    const out = join(dir, "eval");
    expect(await main(["eval", "--checkpoint", join(run, "checkpoint.safetensors"), "--metrics", "mig", "--samples", "64", "--out", out])).toBe(0);
    const e = json(join(out, "eval.json"));
    expect(e.results).toHaveLength(1);
    expect(e.results[0]).toMatchObject({ metric: "mig", samples: 64, factors: ["floor hue", "wall hue", "object hue", "scale", "shape", "orientation"] });
    expect(e.results[0].score).toBeGreaterThanOrEqual(0);
    expect(e.results[0].score).toBeLessThanOrEqual(1);
  });

  it("refuses a file without images, and a truncated one, in one line", async () => {
    const dir = tmp();
    const labelsOnly = join(dir, "labels.h5");
    await writeShapes3dH5(labelsOnly, [1, 1, 1, 1, 2, 2], { datasets: ["labels"] });
    await expectError(["train", "--data-file", labelsOnly, "--steps", "1", "--out", join(dir, "a")],
      /^bvae train: .*labels\.h5 has no 'images' dataset \(it holds labels\); Shapes3D's \.h5 holds images \(N, 64, 64, 3\) uint8 and labels \(N, 6\)$/);
    const whole = join(dir, "whole.h5");
    await writeShapes3dH5(whole, [1, 1, 1, 1, 2, 2]);
    const cut = join(dir, "cut.h5");
    writeFileSync(cut, readFileSync(whole).subarray(0, 20_000));
    await expectError(["train", "--data-file", cut, "--steps", "1", "--out", join(dir, "b")], /^bvae train: .*cut\.h5 is truncated: it holds 20000 bytes, its HDF5 superblock says \d+$/);
  });
});

describe("MPI3D's .npz", () => {
  it("is recognised by its images entry, and a file of another size is refused in one line", async () => {
    const dir = tmp();
    const file = join(dir, "mpi3d_toy.npz");
    writeFileSync(file, encodeNpz({ images: { descr: "|u1", shape: [3, 64, 64, 3], data: new Uint8Array(3 * 64 * 64 * 3) } }));
    await expectError(["train", "--data-file", file, "--steps", "1", "--out", join(dir, "a")],
      /^bvae train: .*mpi3d_toy\.npz holds 3 images; MPI3D files hold 460800 \(4 × 4 × 2 × 3 × 3 × 40 × 40\) or 1036800/);
  });
});
