// bvae eval and bvae figures end to end, in process, on tiny runs (2 steps, batch 4) and
// small sample counts: the files they write, what they record, and every bad input's line.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy, encodeNpz } from "@betavae/datasets";
import { modularityMetric, readCodesNpz, sapMetric } from "@betavae/eval";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./bvae";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const tmp = () => mkdtempSync(join(tmpdir(), "bvae-eval-"));
const png = (path: string) => PNG.sync.read(readFileSync(path));
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));


/** Two training steps on dSprites (β objective) and on blobs (capacity objective). */
let dsprites: string, blobs: string;
beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const dir = tmp();
  dsprites = join(dir, "dsprites");
  blobs = join(dir, "blobs");
  expect(await main(["train", "--steps", "2", "--batch", "4", "--log-every", "1", "--out", dsprites])).toBe(0);
  expect(await main(["train", "--dataset", "blobs", "--objective", "capacity", "--capacity-steps", "2", "--capacity-max", "5", "--steps", "2", "--batch", "4", "--log-every", "1", "--out", blobs])).toBe(0);
  vi.restoreAllMocks();
});

describe("bvae eval", () => {
  it("scores a checkpoint, writes eval.json with its counts and seed, and prints a table", async () => {
    const dir = tmp();
    expect(await main(["eval", "--checkpoint", join(dsprites, "checkpoint.safetensors"), "--samples", "8", "--seed", "3", "--out", dir])).toBe(0);
    const e = json(join(dir, "eval.json"));
    expect(e).toMatchObject({ dataset: "dsprites", seed: 3, step: 2, objective: { kind: "beta", beta: 4 } });
    expect(e.encoder).toMatch(/^checkpoint .*checkpoint\.safetensors \(step 2\)$/);
    expect(e.results.map((r: { metric: string }) => r.metric)).toEqual(["betavae", "factorvae", "mig"]);
    expect(e.results[0]).toMatchObject({ trainPoints: 8, evalPoints: 4, batchSize: 64, seed: 3, factors: ["shape", "scale", "orientation", "posX", "posY"] });
    expect(e.results[1]).toMatchObject({ trainVotes: 8, evalVotes: 4, varianceSamples: 8, stdThreshold: 0.05 });
    expect(e.results[2]).toMatchObject({ samples: 8, bins: 20 });
    for (const r of e.results) expect(r.score).toBeGreaterThanOrEqual(0);
    expect(e.imagesEncoded).toBeGreaterThan(0);
    const printed = captured.out.join("\n");
    expect(printed).toMatch(/^metric +score +train +detail$/m);
    expect(printed).toMatch(/^betavae +\d\.\d{4} +\d\.\d{4} +8 train \/ 4 eval points of 64 pairs; per factor shape (\d\.\d\d|—), scale (\d\.\d\d|—), orientation (\d\.\d\d|—), posX (\d\.\d\d|—), posY (\d\.\d\d|—)$/m);
    expect(e.results[0].confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect(printed).toMatch(/^mig +\d\.\d{4} +8 samples, 20 bins/m);
  });

  it("runs only the metrics asked for", async () => {
    const dir = tmp();
    expect(await main(["eval", "--checkpoint", join(dsprites, "checkpoint.safetensors"), "--metrics", "mig", "--samples", "30", "--out", dir])).toBe(0);
    expect(json(join(dir, "eval.json")).results.map((r: { metric: string }) => r.metric)).toEqual(["mig"]);
  });

  it("scores the reference encoders: ground truth near 1, an untrained network", async () => {
    const dir = tmp();
    expect(await main(["eval", "--encoder", "ground-truth", "--dataset", "blobs", "--samples", "400", "--out", dir])).toBe(0);
    const gt = json(join(dir, "eval.json"));
    expect(gt.encoder).toBe("ground truth (standardised factor values)");
    expect(gt.results[0].score).toBeGreaterThanOrEqual(0.99);
    expect(gt.results[1].score).toBeGreaterThanOrEqual(0.99);
    expect(gt.results[0].factors).toEqual(["x", "y"]);

    expect(await main(["eval", "--encoder", "random", "--dataset", "blobs", "--init-seed", "7", "--metrics", "mig", "--samples", "20", "--out", dir])).toBe(0);
    expect(json(join(dir, "eval.json")).encoder).toBe("random (untrained 10-latent network, init seed 7)");
  });

  it.each([
    [["eval", "--out", "x"], /--checkpoint FILE is required \(or --encoder ground-truth\|random/, 2],
    [["eval", "--checkpoint", "a", "--encoder", "random", "--out", "x"], /either --checkpoint FILE or --encoder, not both/, 2],
    [["eval", "--checkpoint", "a", "--dataset", "blobs", "--out", "x"], /--dataset goes with --encoder/, 2],
    [["eval", "--encoder", "ground-truth"], /--out DIR is required/, 2],
    [["eval", "--encoder", "ground-truth", "--metrics", "betavae,sparsity", "--out", "x"], /--metrics: unknown metric 'sparsity' \(choose from betavae, factorvae, mig, dci/, 2],
    [["eval", "--encoder", "ground-truth", "--metrics", "mig,mig", "--out", "x"], /--metrics lists a metric twice/, 2],
    [["eval", "--encoder", "ground-truth", "--samples", "1", "--out", "x"], /--samples must be at least 2, got 1/, 2],
    [["eval", "--encoder", "oracle", "--out", "x"], /--encoder must be one of ground-truth, random; got 'oracle'/, 2],
  ] as [string[], RegExp, number][])("rejects %j with one line", async (argv, message, code) => {
    await expectError(argv, message, code);
  });

  it("reports a missing checkpoint", async () => {
    await expectError(["eval", "--checkpoint", join(tmp(), "none.safetensors"), "--out", tmp()], /checkpoint .*none\.safetensors does not exist/);
  });
});

/** An .npz of `codes` (rows × latents) and `factors` (rows × factors) in the given dtypes. */
function codesFile(codes: ArrayLike<number>, codeShape: number[], factors: ArrayLike<number>, factorShape: number[], dtypes = { codes: "<f4", factors: "<i8" }): string {
  const bytes = (descr: string, values: ArrayLike<number>) => {
    if (descr === "<f4") return new Uint8Array(Float32Array.from(values).buffer);
    if (descr === "<f8") return new Uint8Array(Float64Array.from(values).buffer);
    return new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
  };
  const path = join(tmp(), "codes.npz");
  writeFileSync(path, encodeNpz({
    codes: { descr: dtypes.codes, shape: codeShape, data: bytes(dtypes.codes, codes) },
    factors: { descr: dtypes.factors, shape: factorShape, data: bytes(dtypes.factors, factors) },
  }));
  return path;
}

/** 300 rows of two factors (4 and 5 values) and three codes: the factors' values, and a constant. */
function groundTruthRows(rows = 300): { codes: number[]; factors: number[] } {
  const factors: number[] = [], codes: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = (i * 7) % 4, b = (i * 11) % 5;
    factors.push(a, b);
    codes.push(a / 3, b / 4, 0.5);
  }
  return { codes, factors };
}

describe("bvae eval --codes", () => {
  it("scores a file's codes with every code-factor metric, fitting on the first two thirds", async () => {
    const { codes, factors } = groundTruthRows();
    const file = codesFile(codes, [300, 3], factors, [300, 2]);
    const dir = tmp();
    expect(await main(["eval", "--codes", file, "--out", dir])).toBe(0);
    const e = json(join(dir, "eval.json"));
    expect(e).toMatchObject({ codes: file, dataset: "codes.npz", encoder: `codes ${file}`, samples: { train: 200, test: 100 }, imagesEncoded: 0 });
    expect(e.results.map((r: { metric: string }) => r.metric)).toEqual(["mig", "dci", "sap", "modularity"]);
    expect(e.results[0]).toMatchObject({ samples: 200, factors: ["factor0", "factor1"], rows: { train: 200, test: 100 } });
    expect(e.results[0].score).toBeGreaterThan(0.9);
    expect(e.results[1]).toMatchObject({ informativeness: 1, trainAccuracy: 1, rows: { train: 200, test: 100 } });
    expect(e.results[1].score).toBeGreaterThan(0.99);
    expect(e.results[1].completeness).toBeGreaterThan(0.99);
    // the constant code serves no factor
    expect(e.results[1].importance[2]).toEqual([0, 0]);
    // SAP and modularity record the run's source, not their own defaults, and score as the library does on the same split
    const source = { dataset: "codes.npz", encoder: `codes ${file}`, seed: 0, factors: ["factor0", "factor1"], rows: { train: 200, test: 100 } };
    const split = readCodesNpz(readFileSync(file), file);
    expect(e.results[2]).toMatchObject({ ...source, score: sapMetric(split).score, trainPoints: 200, testPoints: 100 });
    // latents 0 and 1 each carry one factor (modularity 1), the constant one none (0): the mean is 2/3
    expect(e.results[3]).toMatchObject({ ...source, modularity: e.results[3].score, explicitnessTest: modularityMetric(split).explicitnessTest });
    expect(e.results[3].score).toBeCloseTo(2 / 3, 12);
    const printed = captured.out.join("\n");
    expect(printed).toMatch(/^dci +\d\.\d{4} +1\.0000 +200 train \/ 100 test codes; completeness \d\.\d{4}, informativeness 1\.0000; per factor factor0 1\.00, factor1 1\.00$/m);
    expect(printed).toMatch(/^mig +\d\.\d{4} +200 samples, 20 bins/m);
    expect(printed).toMatch(/^sap +\d\.\d{4} +200 train \/ 100 test codes; gap per factor factor0 \d\.\d{2}, factor1 \d\.\d{2}$/m);
    expect(printed).toMatch(/^modularity +0\.6667 +200 train \/ 100 test codes; explicitness train \d\.\d{4} \/ test \d\.\d{4}$/m);
  });

  it("reads float64 codes and runs only the metrics asked for; a constant factor column is left out", async () => {
    const { codes, factors } = groundTruthRows();
    const withConstant = factors.flatMap((f, i) => (i % 2 === 1 ? [f, 3] : [f]));
    const file = codesFile(codes, [300, 3], withConstant, [300, 3], { codes: "<f8", factors: "<i8" });
    const dir = tmp();
    expect(await main(["eval", "--codes", file, "--metrics", "dci", "--out", dir])).toBe(0);
    const e = json(join(dir, "eval.json"));
    expect(e.results.map((r: { metric: string }) => r.metric)).toEqual(["dci"]);
    expect(e.results[0].factors).toEqual(["factor0", "factor1"]);
  });

  const rows = groundTruthRows(30);
  it.each([
    ["a missing array", () => {
      const path = join(tmp(), "codes.npz");
      writeFileSync(path, encodeNpz({ codes: { descr: "<f4", shape: [30, 3], data: new Uint8Array(Float32Array.from(rows.codes).buffer) } }));
      return path;
    }, /has no factors array \(it has: codes\)/],
    ["codes of rank 1", () => codesFile(rows.codes, [90], rows.factors, [30, 2]), /codes has shape \(90\), expected 2 dimensions \(rows × latents\)/],
    ["different row counts", () => codesFile(rows.codes.slice(0, 87), [29, 3], rows.factors, [30, 2]), /codes has 29 rows but factors has 30/],
    ["a NaN code", () => codesFile(rows.codes.map((v, i) => (i === 7 ? Number.NaN : v)), [30, 3], rows.factors, [30, 2]), /codes row 2 column 1 is NaN/],
    ["an infinite code", () => codesFile(rows.codes.map((v, i) => (i === 3 ? Number.POSITIVE_INFINITY : v)), [30, 3], rows.factors, [30, 2], { codes: "<f8", factors: "<i8" }), /codes row 1 column 0 is Infinity/],
    ["a negative factor", () => codesFile(rows.codes, [30, 3], rows.factors.map((v, i) => (i === 5 ? -1 : v)), [30, 2]), /factors row 2 column 1 is -1, factors must be non-negative integers/],
    ["a fractional factor", () => codesFile(rows.codes, [30, 3], rows.factors.map((v, i) => (i === 4 ? 0.5 : v)), [30, 2], { codes: "<f4", factors: "<f8" }), /factors row 2 column 0 is 0\.5, factors must be non-negative integers/],
    ["integer codes", () => codesFile(rows.codes.map(Math.round), [30, 3], rows.factors, [30, 2], { codes: "<i8", factors: "<i8" }), /codes has dtype <i8, expected float32 or float64/],
    ["not a zip", () => {
      const path = join(tmp(), "codes.npz");
      writeFileSync(path, "not a zip at all, just text");
      return path;
    }, /is not a readable \.npz \(zip\) file/],
  ] as [string, () => string, RegExp][])("refuses %s in one line", async (_what, make, message) => {
    await expectError(["eval", "--codes", make(), "--out", tmp()], message);
  });

  it.each([
    [["--metrics", "betavae"], /--metrics: betavae draws its own images from a dataset, it cannot score --codes \(choose from mig, dci/],
    [["--checkpoint", "c.safetensors"], /--checkpoint does not go with --codes/],
    [["--seed", "3"], /--seed does not go with --codes/],
  ] as [string[], RegExp][])("refuses %j with --codes in one line", async (extra, message) => {
    await expectError(["eval", "--codes", "x.npz", ...extra, "--out", tmp()], message, 2);
  });

  it("reports a missing file", async () => {
    await expectError(["eval", "--codes", join(tmp(), "none.npz"), "--out", tmp()], /codes file .*none\.npz does not exist/);
  });
});

describe("bvae figures", () => {
  it("draws KL against step, reconstructions and traversals of a dSprites run", async () => {
    const dir = tmp();
    expect(await main(["figures", "--run", dsprites, "--out", dir])).toBe(0);
    for (const f of ["kl-step.png", "reconstructions.png", "traversal.png"]) expect(existsSync(join(dir, f))).toBe(true);
    // a β run has no C, and dSprites has five varying factors: no KL-against-C, no heatmaps
    expect(existsSync(join(dir, "kl-capacity.png"))).toBe(false);
    expect(existsSync(join(dir, "heatmaps.png"))).toBe(false);
    expect(png(join(dir, "kl-step.png")).width).toBeGreaterThan(500);
  });

  it("adds KL against C and latent heatmaps for a capacity run on blobs, into the run directory", async () => {
    expect(await main(["figures", "--run", blobs])).toBe(0);
    for (const f of ["kl-step.png", "kl-capacity.png", "heatmaps.png", "traversal.png"]) expect(existsSync(join(blobs, f))).toBe(true);
    const heat = png(join(blobs, "heatmaps.png"));
    expect(heat.height).toBeGreaterThan(2 * 96); // two rows of five latents
    expect(captured.out.join("\n")).toMatch(/figures: .*heatmaps\.png/);
  });

  it("prints the order in which latents switched on, with the step and C of each", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "checkpoint.safetensors"), readFileSync(join(blobs, "checkpoint.safetensors")));
    const kl = [[0.9, 0.01, 0.02], [0.2, 0.01, 0.6], [0.7, 0.01, 0.8], [1.4, 0.3, 2.1]];
    const log = (latents: number) => kl.map((k, i) => JSON.stringify({ step: (i + 1) * 100, recon: 50, kl: 3, C: (i + 1) * 0.5, klPerLatent: [...k, ...Array(latents - 3).fill(0.01)] })).join("\n") + "\n";
    writeFileSync(join(dir, "metrics.jsonl"), log(9));
    await expectError(["figures", "--run", dir], /metrics\.jsonl logs a KL per latent of another length than the checkpoint's 10 latents/);
    writeFileSync(join(dir, "metrics.jsonl"), log(10));
    expect(await main(["figures", "--run", dir])).toBe(0);
    const out = captured.out.join("\n");
    expect(out).toContain("switch-on order (KL above 0.5 nats from that logged step to the end of the log):");
    expect(out).toMatch(/latent +step +C +final KL +mean std *\nz2 +200 +1\.00 +2\.10 +\d\.\d{3}( +KL without information)? *\nz0 +300 +1\.50 +1\.40 +\d\.\d{3}( +KL without information)? *\n\(mean std: the spread of the latent's posterior mean over 1024 images; below 0\.05 the image barely moves it\)/);
  });

  it("adds the step at which training warned of a latent, replayed from the spreads in the log", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "checkpoint.safetensors"), readFileSync(join(blobs, "checkpoint.safetensors")));
    // z0 informative throughout; z1 holds KL with a still mean from step 300 on (five readings by 700)
    const lines = Array.from({ length: 8 }, (_, i) => ({
      step: (i + 1) * 100, recon: 50, kl: 4, C: 4,
      klPerLatent: [2, i >= 2 ? 1.5 : 0.2, ...Array(8).fill(0.01)],
      ...(i >= 1 ? { meanStdPerLatent: [0.8, 0.01, ...Array(8).fill(0.01)] } : {}), // the first line predates the watch
    }));
    writeFileSync(join(dir, "metrics.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    expect(await main(["figures", "--run", dir])).toBe(0);
    const out = captured.out.join("\n");
    expect(out).toMatch(/latent +step +C +final KL +mean std +warned at *\nz0 +100 +4\.00 +2\.00 +\d\.\d{3} +— *( +KL without information)? *\nz1 +300 +4\.00 +1\.50 +\d\.\d{3} +700/);
    expect(out).toContain("(warned at: the step at which bvae train warned of KL without information, replayed from the spreads it logged)");
    writeFileSync(join(dir, "metrics.jsonl"), JSON.stringify({ ...lines[1], meanStdPerLatent: [1] }) + "\n");
    await expectError(["figures", "--run", dir], /metrics\.jsonl line 1 has a meanStdPerLatent that does not match its klPerLatent/);
  });

  it("draws a bare checkpoint's reconstructions, traversals and heatmaps, and KL curves only from an export's history", async () => {
    const dir = tmp();
    expect(await main(["figures", "--checkpoint", join(blobs, "checkpoint.safetensors"), "--out", dir])).toBe(0);
    for (const f of ["reconstructions.png", "traversal.png", "heatmaps.png"]) expect(existsSync(join(dir, f))).toBe(true);
    for (const f of ["kl-step.png", "kl-capacity.png"]) expect(existsSync(join(dir, f))).toBe(false);
    await expectError(["figures", "--checkpoint", join(blobs, "checkpoint.safetensors")], /--checkpoint needs --out DIR/, 2);
    const exported = join(dir, "exported.safetensors"), withCurves = join(dir, "with-curves");
    expect(await main(["export", "--checkpoint", join(blobs, "checkpoint.safetensors"), "--out", exported])).toBe(0);
    expect(await main(["figures", "--checkpoint", exported, "--out", withCurves])).toBe(0);
    for (const f of ["kl-step.png", "kl-capacity.png"]) expect(existsSync(join(withCurves, f)), `${f} from the export's history`).toBe(true);
    await expectError(["figures", "--checkpoint", "x.safetensors", "--run", blobs, "--out", dir], /give --run DIR or --checkpoint FILE, not both/, 2);
  });

  it("reports a missing run, a broken log and a missing checkpoint in one line", async () => {
    await expectError(["figures", "--run", join(tmp(), "nothing")], /run directory .*nothing does not exist/);
    const dir = tmp();
    await expectError(["figures", "--run", dir], /metrics log .*metrics\.jsonl does not exist/);
    const line = '{"step":1,"recon":9,"kl":0.1,"klPerLatent":[0.1],"C":null}\n';
    writeFileSync(join(dir, "metrics.jsonl"), line + '{"step":2,\n');
    await expectError(["figures", "--run", dir], /metrics\.jsonl line 2 is not JSON/);
    writeFileSync(join(dir, "metrics.jsonl"), line + '{"step":2,"kl":0.1,"klPerLatent":[0.1],"C":null}\n');
    await expectError(["figures", "--run", dir], /metrics\.jsonl line 2 lacks step, recon, kl, klPerLatent or C/);
    writeFileSync(join(dir, "metrics.jsonl"), line);
    await expectError(["figures", "--run", dir], /checkpoint .*checkpoint\.safetensors does not exist/);
    await expectError(["figures"], /--run DIR or --checkpoint FILE is required/, 2);
  });
});

describe("a run on images without factors", () => {
  it("trains on a .npy image array, draws its figures, and eval refuses it in one line", async () => {
    const dir = tmp();
    const file = join(dir, "noise.npy");
    writeFileSync(file, encodeNpy("|u1", [8, 16, 16], Uint8Array.from({ length: 8 * 256 }, (_, i) => (i * 131) % 256)));
    const run = join(dir, "run");
    expect(await main(["train", "--data-file", file, "--steps", "2", "--batch", "4", "--log-every", "1", "--out", run])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/^training noise\.npy \(.*noise\.npy\), β-VAE/m);
    expect(json(join(run, "config.json"))).toMatchObject({ dataFile: file, training: { model: { height: 16, width: 16, channels: 1 } } });
    expect(png(join(run, "reconstructions.png")).width).toBeGreaterThan(8 * 16);

    await expectError(["eval", "--checkpoint", join(run, "checkpoint.safetensors"), "--samples", "8", "--out", join(dir, "eval")],
      /^bvae eval: cannot compute betavae, factorvae, mig: noise\.npy has images but no ground-truth factors$/);
    expect(existsSync(join(dir, "eval", "eval.json"))).toBe(false);
    await expectError(["eval", "--checkpoint", join(run, "checkpoint.safetensors"), "--metrics", "mig", "--out", join(dir, "eval")],
      /^bvae eval: cannot compute mig: noise\.npy has images but no ground-truth factors$/);

    expect(await main(["figures", "--run", run])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/figures: .*kl-step\.png/);
    expect(existsSync(join(run, "heatmaps.png"))).toBe(false);
  });
});
