// The bvae command end to end, in process: real training runs on a small batch, the run
// directory's files, resume, and every kind of bad input with its one-line error.
import { execFile, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decodeCheckpoint } from "@betavae/core";
import { PNG } from "pngjs";
import { describe, expect, it, vi } from "vitest";
import { main } from "./bvae";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const tmp = () => mkdtempSync(join(tmpdir(), "bvae-"));
const SMALL = ["--batch", "4", "--log-every", "1"];


describe("bvae train", () => {
  it("trains, logs every step, checkpoints, draws figures, and resumes where it stopped", async () => {
    const dir = join(tmp(), "run");
    expect(await main(["train", "--steps", "4", "--checkpoint-every", "2", "--out", dir, ...SMALL])).toBe(0);
    for (const f of ["config.json", "metrics.jsonl", "checkpoint.safetensors", "reconstructions.png", "traversal.png"]) expect(existsSync(join(dir, f))).toBe(true);
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(lines[0]).toMatchObject({ step: 1, C: null, beta: 4 });
    expect(lines[0].klPerLatent).toHaveLength(10);
    for (const key of ["recon", "kl", "loss", "gradNorm", "imagesPerSec"]) expect(typeof lines[3][key]).toBe("number");
    expect(lines[3]).toMatchObject({ backend: expect.stringMatching(/^wasm/), threads: availableParallelism() });
    const traversal = PNG.sync.read(readFileSync(join(dir, "traversal.png")));
    expect(traversal.height).toBeGreaterThan(10 * 128); // one row per latent
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toMatchObject({ dataset: "dsprites", steps: 4 });

    expect(await main(["train", "--resume", "--steps", "6", "--out", dir, "--log-every", "1", "--threads", "1"])).toBe(0);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "checkpoint.safetensors")))).state.step).toBe(6);
    const resumed = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(resumed.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resumed.map((l) => l.threads)).toEqual([...Array(4).fill(availableParallelism()), 1, 1]); // each line says how it ran

    expect(await main(["info", "--checkpoint", join(dir, "checkpoint.safetensors")])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/step +6/);
    expect(captured.out.join("\n")).toMatch(/β-VAE, β = 4/);
  });

  it("trains the capacity objective and logs C", async () => {
    const dir = join(tmp(), "cap");
    expect(await main(["train", "--objective", "capacity", "--capacity-max", "10", "--capacity-steps", "2", "--steps", "3", "--out", dir, ...SMALL])).toBe(0);
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.C)).toEqual([0, 5, 10]);
    expect(lines[0].gamma).toBe(1000);

    // A resumed run may start a new ramp from where C stands; the checkpoint keeps it.
    expect(await main(["train", "--resume", "--capacity-max", "4", "--capacity-steps", "2", "--steps", "6", "--out", dir, "--log-every", "1"])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/capacity, γ = 1000, C 10 → 4 nats over steps 3–5/);
    const resumed = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(resumed.map((l) => l.C)).toEqual([0, 5, 10, 10, 7, 4]);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "checkpoint.safetensors")))).config.objective)
      .toEqual({ kind: "capacity", gamma: 1000, capacityMax: 4, capacitySteps: 2, rampFrom: { step: 3, capacity: 10 } });
    expect(await main(["train", "--resume", "--steps", "7", "--out", dir, "--log-every", "1"])).toBe(0); // the ramp holds at 4
    expect(JSON.parse(readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n")[6]).C).toBe(4);
  });

  it("warns when a latent holds KL without information, and logs each latent's spread", async () => {
    // Blobs have two factors; C = 30 at once leaves the capacity objective nothing to pay it
    // with but narrow posteriors on latents the decoder ignores.
    const warnings = async (objective: string[]) => {
      const dir = join(tmp(), "watch");
      const stderr = vi.mocked(process.stderr.write);
      stderr.mockClear();
      expect(await main(["train", "--dataset", "blobs", ...objective, "--steps", "120", "--batch", "8", "--lr", "0.005", "--threads", "1", "--log-every", "1", "--out", dir])).toBe(0);
      const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(lines[119].meanStdPerLatent).toHaveLength(10);
      expect(lines[119].meanStdPerLatent.every((s: number) => s >= 0)).toBe(true);
      return stderr.mock.calls.map((c) => String(c[0])).filter((w) => w.includes("warning:"));
    };
    const capacity = await warnings(["--objective", "capacity", "--capacity-max", "30", "--capacity-steps", "1"]);
    expect(capacity.length).toBeGreaterThan(0);
    expect(capacity[0]).toMatch(/^warning: z\d holds \d+\.\d\d nats of KL, yet its posterior mean spreads only 0\.0\d\d over the batch \(below 0\.05\) at step \d+: KL that carries no information about the image\n$/);
    expect(await warnings(["--objective", "beta", "--beta", "4"])).toEqual([]);
  });

  it("refuses a new capacity ramp for a β-VAE run", async () => {
    const dir = join(tmp(), "beta");
    expect(await main(["train", "--steps", "1", "--out", dir, ...SMALL])).toBe(0);
    await expectError(["train", "--resume", "--capacity-max", "5", "--steps", "2", "--out", dir], /--capacity-max applies to the capacity objective; this run trains the β-VAE objective \(β = 4\)/, 2);
  });

  it("refuses to overwrite a run, and leaves it untouched", async () => {
    const dir = join(tmp(), "run");
    expect(await main(["train", "--steps", "1", "--out", dir, ...SMALL])).toBe(0);
    const before = readFileSync(join(dir, "checkpoint.safetensors"));
    await expectError(["train", "--steps", "1", "--out", dir, ...SMALL], /already holds a run \(checkpoint\.safetensors\); use --resume/);
    expect(readFileSync(join(dir, "checkpoint.safetensors")).equals(before)).toBe(true);
  });

  it.each([
    [["train", "--stepz", "3"], /unknown option --stepz for bvae train/, 2],
    [["train", "--beta", "-1"], /--beta must be at least 0, got -1/, 2],
    [["train", "--batch", "0"], /--batch must be at least 1, got 0/, 2],
    [["train", "--steps", "ten"], /--steps must be an integer, got 'ten'/, 2],
    [["train", "--lr", "0"], /--lr must be greater than 0, got 0/, 2],
    [["train", "--dataset", "mnist"], /--dataset must be one of dsprites, color-dsprites, blobs; got 'mnist'/, 2],
    [["train", "--steps"], /--steps needs a value/, 2],
    [["frobnicate"], /unknown command 'frobnicate'/, 2],
  ] as [string[], RegExp, number][])("rejects %j with one line", async (argv, message, code) => {
    await expectError(argv, message, code);
  });

  it("reports a missing run to resume", async () => {
    await expectError(["train", "--resume", "--out", join(tmp(), "nothing")], /nothing to resume: .*checkpoint\.safetensors does not exist/);
  });

  it("reports an unwritable --out", async () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "x");
    await expectError(["train", "--steps", "1", "--out", join(file, "run"), ...SMALL], /cannot write to output directory .*a-file\/run/);
  });

  it("reports an .npz that is not dSprites", async () => {
    const file = join(tmp(), "other.npz");
    writeFileSync(file, "PK\u0003\u0004 not really a zip");
    expect(await main(["train", "--data-file", file, "--steps", "1", "--out", join(tmp(), "r"), ...SMALL])).toBe(1);
    expect(captured.err).toHaveLength(1);
    expect(captured.err[0]).toMatch(/^bvae train: /);
  });
});

describe("bvae info / traverse", () => {
  it("report missing, truncated and corrupt checkpoints in one line", async () => {
    const dir = tmp();
    await expectError(["info", "--checkpoint", join(dir, "none.safetensors")], /checkpoint .*none\.safetensors does not exist/);
    const run = join(dir, "run");
    expect(await main(["train", "--steps", "1", "--out", run, ...SMALL])).toBe(0);
    const bytes = readFileSync(join(run, "checkpoint.safetensors"));
    writeFileSync(join(dir, "truncated.safetensors"), bytes.subarray(0, bytes.length >> 1));
    await expectError(["info", "--checkpoint", join(dir, "truncated.safetensors")], /not a readable checkpoint: .*truncated/);
    const corrupt = Buffer.from(bytes);
    corrupt.write("{garbage", 8);
    writeFileSync(join(dir, "corrupt.safetensors"), corrupt);
    await expectError(["traverse", "--checkpoint", join(dir, "corrupt.safetensors"), "--out", dir], /not a readable checkpoint: header is not valid JSON/);
    mkdirSync(join(dir, "adir"));
    await expectError(["info", "--checkpoint", join(dir, "adir")], /is a directory, not a file/);
  });

  it("reports a checkpoint whose tensors do not fit its configuration", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    expect(await main(["train", "--steps", "1", "--out", run, ...SMALL])).toBe(0);
    const bytes = readFileSync(join(run, "checkpoint.safetensors"));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + headerLength).toString("utf8");
    // the same length keeps the file valid safetensors: latents 10 → 9 in the config
    const edited = header.replace('\\"latents\\":10', '\\"latents\\":9 ');
    expect(edited).not.toBe(header);
    bytes.write(edited, 8, "utf8");
    writeFileSync(join(dir, "edited.safetensors"), bytes);
    await expectError(["traverse", "--checkpoint", join(dir, "edited.safetensors"), "--out", dir], /checkpoint tensor encoder\.mu\.weight has shape \[10,256\], the model needs \[9,256\]/);
  });

  it("exports the weights alone: a third of the size, drawable, and refused by --resume", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    expect(await main(["train", "--steps", "3", "--out", run, ...SMALL])).toBe(0);
    const logged = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    appendFileSync(join(run, "metrics.jsonl"), JSON.stringify({ ...logged[2], step: 4 }) + "\n"); // logged after the checkpoint
    const exported = join(dir, "model.safetensors");
    expect(await main(["export", "--checkpoint", join(run, "checkpoint.safetensors"), "--out", exported])).toBe(0);
    expect(captured.out.at(-1)).toMatch(/MiB of weights and 3 logged steps of its training/);
    expect(readFileSync(exported).length).toBeLessThan(readFileSync(join(run, "checkpoint.safetensors")).length / 2.5);
    // the run's curves go along, rounded, up to the checkpoint's step
    const history = decodeCheckpoint(new Uint8Array(readFileSync(exported))).app.history as { step: number; recon: number; klPerLatent: number[] }[];
    expect(history.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(Math.abs(history[2].recon / logged[2].recon - 1)).toBeLessThan(5e-4);
    expect(history[2].klPerLatent).toHaveLength(10);
    expect(await main(["export", "--checkpoint", join(run, "checkpoint.safetensors"), "--out", exported, "--no-history", "--force"])).toBe(0);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(exported))).app.history).toBeUndefined();
    expect(await main(["traverse", "--checkpoint", exported, "--out", join(dir, "figs")])).toBe(0);
    const resumeDir = join(dir, "again");
    mkdirSync(resumeDir);
    writeFileSync(join(resumeDir, "checkpoint.safetensors"), readFileSync(exported));
    await expectError(["train", "--resume", "--steps", "2", "--out", resumeDir], /holds weights only .* not resumed/);
    await expectError(["export", "--checkpoint", exported, "--out", exported], /--out must differ from --checkpoint/, 2);
  });

  it("draws the figures of a checkpoint", async () => {
    const dir = tmp();
    expect(await main(["train", "--steps", "1", "--out", join(dir, "run"), ...SMALL])).toBe(0);
    expect(await main(["traverse", "--checkpoint", join(dir, "run", "checkpoint.safetensors"), "--out", join(dir, "figs")])).toBe(0);
    expect(existsSync(join(dir, "figs", "traversal.png"))).toBe(true);
    expect(existsSync(join(dir, "figs", "reconstructions.png"))).toBe(true);
  });
});

describe("the bvae executable", () => {
  const bin = fileURLToPath(new URL("../bin/bvae.mjs", import.meta.url));

  it("prints help and exits 0", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "train", "--help"]);
    expect(stdout).toMatch(/--capacity-max N +final capacity C_max in nats; with --resume, a new one \(default 25\)/);
  });

  it("prints the package's version for --version and -V", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      const { stdout } = await promisify(execFile)(process.execPath, [bin, flag]);
      expect(stdout).toBe(`${version}\n`);
    }
  });

  it("saves a checkpoint and exits 0 on Ctrl-C", async () => {
    const dir = join(tmp(), "run");
    const child = spawn(process.execPath, [bin, "train", "--steps", "100000", "--batch", "4", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("training dsprites")) setTimeout(() => child.kill("SIGINT"), 1500);
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/interrupted at step \d+: checkpoint saved/);
    const step = decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "checkpoint.safetensors")))).state.step;
    expect(step).toBeGreaterThan(0);
  }, 60_000);
});
