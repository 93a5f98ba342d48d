// `bvae sweep` as a user runs it, real processes throughout: a study over two workers ends with
// the numbers of each run trained alone; Ctrl-C stops it with the running runs checkpointed and
// the same command continues it to the same numbers; a finished study is left alone; what
// cannot work is refused in one line before anything is created.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectError, captureConsole, captured } from "../test-console";
import { main } from "../bvae";
import { BVAE_BIN, FAILED_FILE, RESULT_FILE, type RunResult, lastLoggedStep } from "./execute";
import { parseStudy } from "./study-file";
import { tinyStudy, tmp, trainedAlone } from "./test-study";

captureConsole();

const STUDY = tinyStudy("{ beta: [1, 8] }", "[1, 2]", 30);
const runs = parseStudy(STUDY, "study.yaml").runs;

function writeStudy(text = STUDY): string {
  const path = join(tmp(), "study.yaml");
  writeFileSync(path, text);
  return path;
}

interface Bvae {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(args: string[]): Bvae {
  const child = spawn(process.execPath, [BVAE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const p: Bvae = { child, stdout: "", stderr: "", exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  child.stdout!.on("data", (d) => void (p.stdout += d));
  child.stderr!.on("data", (d) => void (p.stderr += d));
  return p;
}

async function bvae(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args);
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

async function until(condition: () => boolean, what: string, seconds = 90): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const result = (out: string, id: string): RunResult => JSON.parse(readFileSync(join(out, "runs", id, RESULT_FILE), "utf8"));
const finalNumbers = (r: RunResult) => ({ step: r.steps, recon: r.recon, kl: r.kl, klPerLatent: r.klPerLatent, metrics: r.metrics });

describe("bvae sweep", () => {
  let uninterrupted = "";

  it("runs a study over two workers to the numbers of each run trained alone, and leaves a finished study alone", async () => {
    const study = writeStudy();
    uninterrupted = join(tmp(), "study");
    const first = await bvae(["sweep", study, "--out", uninterrupted, "--workers", "2"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^study tiny: 4 runs \(0 done, 0 running, 4 queued, 0 failed\); 2 workers × 1 thread; /);
    expect(first.stdout).toMatch(/^study tiny: 4 runs finished, 0 failed in /m);
    expect(first.stderr).toMatch(/^study tiny 0\/4 \| 0 done, 0 running, 4 queued, 0 failed \| ETA \?/m);
    // a log gets a line as each run moves on to its evaluation and its figures
    for (const run of runs) {
      const label = run.id.split("_").slice(0, -1).join(" ");
      for (const phase of ["eval", "figures"]) expect(first.stderr).toMatch(new RegExp(`^study tiny .*, [1-9]\\d* running.* \\| .*${label} 30/30 ${phase}`, "m"));
    }
    expect(readdirSync(join(uninterrupted, "runs")).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const run of runs) {
      const r = result(uninterrupted, run.id);
      expect(first.stdout).toContain(`done    ${run.id}: recon ${r.recon.toFixed(2)}, KL ${r.kl.toFixed(2)}, ${r.activeLatents} active latents, mig ${r.metrics.mig.toFixed(3)}`);
      expect({ step: r.steps, recon: r.recon, kl: r.kl, klPerLatent: r.klPerLatent }).toEqual(trainedAlone(run)); // bitwise, one thread
    }

    const written = runs.map((run) => statSync(join(uninterrupted, "runs", run.id, RESULT_FILE)).mtimeMs);
    const again = await bvae(["sweep", study, "--out", uninterrupted, "--workers", "2"]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`study tiny: 4 runs (4 done, 0 running, 0 queued, 0 failed); nothing to run; ${uninterrupted}`);
    expect(runs.map((run) => statSync(join(uninterrupted, "runs", run.id, RESULT_FILE)).mtimeMs)).toEqual(written);

    const status = await bvae(["sweep", "status", uninterrupted]);
    expect(status.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^run +state +step +ETA +worker +error$/),
      ...runs.map((run) => expect.stringMatching(new RegExp(`^${run.id} +done +30/30 +—$`))),
      "study tiny: 4 done, 0 running, 0 queued, 0 failed",
    ]);
  }, 240_000);

  it("stops on Ctrl-C with the running runs checkpointed, and the same command continues to the same results", async () => {
    const study = writeStudy();
    const out = join(tmp(), "study");
    const sweep = start(["sweep", study, "--out", out, "--workers", "2"]);
    const logged = (id: string) => lastLoggedStep(join(out, "runs", id, "metrics.jsonl")) ?? 0;
    await until(() => logged(runs[0].id) >= 8 && logged(runs[1].id) >= 8, "both workers to train past a checkpoint");
    sweep.child.kill("SIGINT");
    expect(await sweep.exited).toBe(0);
    expect(sweep.stdout).toMatch(/^stopped after \S+: \d runs finished, [12] checkpointed; the same command continues the study$/m);
    const stopped = [...sweep.stdout.matchAll(/^stopped (\S+) at step (\d+), checkpointed$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(stopped.length).toBeGreaterThan(0);
    for (const [id, step] of stopped) {
      expect(step).toBeLessThan(30);
      expect(existsSync(join(out, "runs", id, RESULT_FILE))).toBe(false);
    }
    const status = await bvae(["sweep", "status", out]);
    for (const [id, step] of stopped) expect(status.stdout).toMatch(new RegExp(`^${id} +stopped +${step}/30 `, "m"));
    expect(status.stdout).toMatch(/^study tiny: \d done, 0 running, \d queued, [12] stopped, 0 failed$/m);

    const resumed = await bvae(["sweep", study, "--out", out, "--workers", "2"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const [id] of stopped) expect(readFileSync(join(out, "runs", id, "study.log"), "utf8")).toMatch(/^\$ bvae train --resume /m);
    for (const run of runs) expect(finalNumbers(result(out, run.id))).toEqual(finalNumbers(result(uninterrupted, run.id)));
  }, 240_000);

  it("finishes a run that was trained to its end but stopped in its evaluation", async () => {
    const out = join(tmp(), "study");
    cpSync(uninterrupted, out, { recursive: true });
    const [stopped] = runs;
    for (const f of [RESULT_FILE, "eval.json"]) rmSync(join(out, "runs", stopped.id, f));
    const again = await bvae(["sweep", writeStudy(), "--out", out, "--workers", "2"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^study tiny: 4 runs \(3 done, 0 running, 1 queued, 0 failed\); /);
    expect(finalNumbers(result(out, stopped.id))).toEqual(finalNumbers(result(uninterrupted, stopped.id)));
  }, 240_000);

  it("leaves a failed run failed, and runs it again with --retry-failed", async () => {
    const out = join(tmp(), "study");
    cpSync(uninterrupted, out, { recursive: true });
    const [failed] = runs;
    const dir = join(out, "runs", failed.id);
    for (const f of [RESULT_FILE, "eval.json"]) rmSync(join(dir, f));
    writeFileSync(join(dir, FAILED_FILE), JSON.stringify({ id: failed.id, phase: "eval", exitCode: 1, error: "eval: bvae eval: the disk is full" }));
    const kept = await bvae(["sweep", writeStudy(), "--out", out]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout.trim()).toBe(`study tiny: 4 runs (3 done, 0 running, 0 queued, 1 failed); nothing to run; ${out}`);
    expect(existsSync(join(dir, FAILED_FILE))).toBe(true);

    const retried = await bvae(["sweep", writeStudy(), "--out", out, "--retry-failed"]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(new RegExp(`^retrying ${failed.id}, which failed: eval: bvae eval: the disk is full\nstudy tiny: 4 runs \\(3 done, 0 running, 1 queued, 0 failed\\); `));
    expect(existsSync(join(dir, FAILED_FILE))).toBe(false);
    expect(finalNumbers(result(out, failed.id))).toEqual(finalNumbers(result(uninterrupted, failed.id)));
  }, 240_000);

  it("refuses in one line, creating nothing: a bad study, a missing study file, an output directory it cannot write, a study running there", async () => {
    const parent = tmp();
    const out = join(parent, "out");
    await expectError(["sweep", writeStudy(STUDY.replace("latents: 2", "latentz: 2")), "--out", out],
      /^bvae sweep: \S+study\.yaml: base\.latentz: unknown setting 'latentz': it is not a bvae train setting/);
    await expectError(["sweep", writeStudy(STUDY.replace("[1, 8]", "[]")), "--out", out], /^bvae sweep: \S+: grid\.beta is an empty list: the study would have no runs$/);
    await expectError(["sweep", writeStudy(STUDY.replace("[1, 8]", "[1, -8]")), "--out", out], /^bvae sweep: \S+: grid\.beta\[1\]: --beta must be at least 0, got -8$/);
    await expectError(["sweep", writeStudy(STUDY.replace("[1, 2]", "[one]")), "--out", out], /^bvae sweep: \S+: seeds\[0\] must be an integer, got "one"$/);
    await expectError(["sweep", join(parent, "nowhere.yaml"), "--out", out], `bvae sweep: study file ${join(parent, "nowhere.yaml")} does not exist`);
    await expectError(["sweep", writeStudy(), "--workers", "2"], "bvae sweep: --out DIR is required: the study's directory", 2);
    await expectError(["sweep", "--out", out], "bvae sweep: give one study file: bvae sweep STUDY --out DIR [--workers N] [--threads T] [--retry-failed]", 2);
    await expectError(["sweep", writeStudy(), "--out", out, "--workers", "0"], "bvae sweep: --workers must be at least 1, got 0", 2);
    expect(existsSync(out)).toBe(false);

    const file = join(parent, "file");
    writeFileSync(file, "");
    await expectError(["sweep", writeStudy(), "--out", join(file, "out")], /^bvae sweep: cannot write to output directory \S+file\/out: a part of the path is a file, not a directory \(ENOTDIR\)$/);
    if (process.getuid?.() !== 0) { // root may write anywhere
      chmodSync(parent, 0o555);
      await expectError(["sweep", writeStudy(), "--out", join(parent, "out")], /^bvae sweep: cannot write to output directory \S+: permission denied \(EACCES\)$/);
      chmodSync(parent, 0o755);
    }
    await expectError(["sweep", "status", out], `bvae sweep: ${out} holds no study (no study.json); bvae sweep STUDY --out ${out} starts one`);
    expect(existsSync(out)).toBe(false);

    // one sweep per study directory
    const busy = join(tmp(), "busy");
    const study = writeStudy(tinyStudy("{ beta: [1] }", "[1]", 100000));
    const running = start(["sweep", study, "--out", busy, "--workers", "1"]);
    await until(() => (lastLoggedStep(join(busy, "runs", parseStudy(readFileSync(study, "utf8"), study).runs[0].id, "metrics.jsonl")) ?? 0) > 0, "the sweep to train");
    const second = await bvae(["sweep", study, "--out", busy]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^bvae sweep: ${busy} is in use by process ${running.child.pid} on \\S+ since \\S+; wait for it to finish or stop it$`));
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    expect(running.stdout).toMatch(/^stopped beta-1_seed-1_\w+ at step \d+, checkpointed$/m);
    expect(await main(["sweep", "--help"])).toBe(0);
    expect(captured.out.join("\n")).toMatch(/^usage: bvae sweep STUDY --out DIR \[--workers N\] \[--threads T\] \[--retry-failed\]\n {7}bvae sweep status DIR\n/);
  }, 120_000);
});
