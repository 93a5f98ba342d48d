// Every way a run ends keeps its work, and a run directory has one owner: real `bvae`
// processes raced on one directory, stopped by SIGTERM, SIGHUP, two signals and SIGKILL, and
// run out of disk on a small tmpfs; then the settings a resumed run keeps, and the one-line
// messages for what cannot work.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeCheckpoint, serializeCheckpoint } from "@betavae/core";
import { describe, expect, it, vi } from "vitest";
import { main } from "./bvae";
import { LOCK_EXPIRY_MS, LOCK_FILE, LOCK_RENEW_MS, liveHolder, lockRunDir } from "./run-dir";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const bin = fileURLToPath(new URL("../bin/bvae.mjs", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "bvae-run-dir-"));
/** A small, fast run: two latents of 64×64 blobs, 8 images a step, one thread. */
const TINY = ["--dataset", "blobs", "--batch", "8", "--latents", "2", "--threads", "1"];

interface Bvae {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Bvae {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const p: Bvae = { child, stdout: "", stderr: "", exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))) };
  child.stdout!.on("data", (d) => void (p.stdout += d));
  child.stderr!.on("data", (d) => void (p.stderr += d));
  return p;
}

async function until(condition: () => boolean, what: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs bvae to its end. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** Starts a run and waits until it trains. */
async function training(args: string[]): Promise<Bvae> {
  const p = start(args);
  await until(() => /^training /m.test(p.stdout) || p.child.exitCode !== null, "the run to start");
  expect(p.stdout).toMatch(/^training /m);
  return p;
}

const checkpointStep = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "checkpoint.safetensors")))).state.step;
const loggedSteps = (dir: string): number[] => existsSync(join(dir, "metrics.jsonl"))
  ? readFileSync(join(dir, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).step)
  : [];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const settings = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).settings;

/** The one line a refusal prints: stderr holds exactly it. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe("a run directory has one owner", () => {
  it("refuses a second run and a --resume while one trains, naming the holder; SIGTERM and SIGHUP save like Ctrl-C", async () => {
    const dir = join(tmp(), "run");
    const first = await training(["train", ...TINY, "--steps", "100000", "--log-every", "1", "--checkpoint-every", "1000", "--out", dir]);
    const second = await run(["train", ...TINY, "--steps", "5", "--out", dir]);
    expect(second.code).toBe(1);
    expect(oneLine(second.stderr)).toMatch(new RegExp(`^bvae train: ${dir} is in use by process ${first.child.pid} on ${hostname()} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; wait for it to finish or stop it$`));

    await until(() => loggedSteps(dir).length >= 3, "three logged steps");
    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stdout).toMatch(/interrupted at step \d+: checkpoint saved/);
    const stopped = checkpointStep(dir);
    expect(stopped).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    // resumed with nothing but --resume: the run's steps, --log-every and --threads hold
    const resumed = await training(["train", "--resume", "--out", dir]);
    expect(resumed.stdout).toMatch(/on wasm-\w+; run directory/); // one thread
    const third = await run(["train", "--resume", "--out", dir]);
    expect(third.code).toBe(1);
    expect(oneLine(third.stderr)).toMatch(new RegExp(`is in use by process ${resumed.child.pid} on ${hostname()}`));
    await until(() => loggedSteps(dir).length >= stopped + 3, "three more logged steps");
    resumed.child.kill("SIGHUP");
    expect(await resumed.exited).toEqual({ code: 0, signal: null });
    const end = checkpointStep(dir);
    expect(end).toBeGreaterThanOrEqual(stopped + 3);
    expect(loggedSteps(dir)).toEqual(range(1, end)); // every step once, in order: one writer
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("exits at once on a second signal, releasing the lock", async () => {
    const dir = join(tmp(), "run");
    const p = await training(["train", ...TINY, "--steps", "100000", "--checkpoint-every", "100000", "--out", dir]);
    p.child.kill("SIGTERM");
    p.child.kill("SIGHUP");
    // whichever the process takes second sets the status: the shell's for SIGTERM or SIGHUP
    const { code, signal } = await p.exited;
    expect(signal).toBeNull();
    expect([143, 129]).toContain(code);
    expect(p.stdout).not.toMatch(/interrupted/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it("takes over the lock and removes the temporary files of a writer killed with SIGKILL, never a live one's", async () => {
    const dir = join(tmp(), "run");
    const killed = await training(["train", ...TINY, "--steps", "100000", "--checkpoint-every", "2", "--log-every", "1", "--out", dir]);
    await until(() => existsSync(join(dir, "checkpoint.safetensors")), "the first checkpoint");
    killed.child.kill("SIGKILL");
    expect((await killed.exited).signal).toBe("SIGKILL");
    const pid = killed.child.pid!;
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid, host: hostname() });
    // what a kill in the middle of writeFileAtomic leaves, and a live writer's file beside it
    const dead = join(dir, `.checkpoint.safetensors.${pid}.tmp`), live = join(dir, `.traversal.png.${process.pid}.tmp`);
    writeFileSync(dead, Buffer.alloc(1 << 20));
    writeFileSync(live, "being written");

    const step = checkpointStep(dir);
    const resumed = await run(["train", "--resume", "--steps", String(step + 2), "--out", dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`took over ${join(dir, LOCK_FILE)} from process ${pid}, which died without releasing it`);
    expect(resumed.stderr).toContain(`removed ${dead}, left by a process that died while writing it`);
    expect(existsSync(dead)).toBe(false);
    expect(readFileSync(live, "utf8")).toBe("being written");
    expect(checkpointStep(dir)).toBe(step + 2);
    expect(loggedSteps(dir)).toEqual(range(1, step + 2));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("takes over the lock of another host that was not renewed for 10 minutes (a machine gone), never a renewed one", async () => {
    const dir = tmp();
    const lock = join(dir, LOCK_FILE);
    const elsewhere = { pid: 4242, host: "gone-machine.example", since: "2026-01-01T00:00:00.000Z" };
    writeFileSync(lock, JSON.stringify(elsewhere));
    const renewed = new Date(Date.now() - LOCK_EXPIRY_MS + 60_000);
    utimesSync(lock, renewed, renewed);
    expect(liveHolder(dir)).toEqual(elsewhere);
    const refused = await run(["train", ...TINY, "--steps", "2", "--out", dir]);
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toBe(`bvae train: ${dir} is in use by process 4242 on gone-machine.example since 2026-01-01T00:00:00.000Z; `
      + "wait for it to finish or stop it (a lock its machine stops renewing expires after 10 minutes)");

    const expired = new Date(Date.now() - LOCK_EXPIRY_MS - 1000);
    utimesSync(lock, expired, expired);
    expect(liveHolder(dir)).toBeNull();
    const took = await run(["train", ...TINY, "--steps", "2", "--out", dir]);
    expect(took.code, took.stderr).toBe(0);
    expect(took.stderr).toContain(`took over ${lock} from process 4242 on gone-machine.example, which has not renewed it for 10 minutes`);
    expect(existsSync(lock)).toBe(false);
    expect(checkpointStep(dir)).toBe(2);
  }, 60_000);

  it("renews its lock every 30 s while it holds it", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const dir = tmp();
    try {
      const held = lockRunDir(dir, () => {});
      const lock = join(dir, LOCK_FILE);
      const taken = statSync(lock).mtimeMs;
      vi.advanceTimersByTime(LOCK_RENEW_MS * 3);
      expect(statSync(lock).mtimeMs - taken).toBeGreaterThanOrEqual(LOCK_RENEW_MS * 3 - 1000);
      held.release();
      expect(existsSync(lock)).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never reuses the directory of a run killed before its first checkpoint", async () => {
    const dir = join(tmp(), "run");
    const killed = await training(["train", ...TINY, "--steps", "100000", "--checkpoint-every", "100000", "--log-every", "1", "--out", dir]);
    await until(() => loggedSteps(dir).length >= 2, "two logged steps");
    killed.child.kill("SIGKILL");
    await killed.exited;
    const log = readFileSync(join(dir, "metrics.jsonl"));

    const fresh = await run(["train", ...TINY, "--steps", "5", "--out", dir]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr.trim().split("\n").at(-1)).toBe(
      `bvae train: ${dir} holds files of a run that saved no checkpoint (metrics.jsonl, config.json); remove them or choose another --out`,
    );
    expect(readFileSync(join(dir, "metrics.jsonl")).equals(log)).toBe(true);
    const resumed = await run(["train", "--resume", "--out", dir]);
    expect(resumed.code).toBe(1);
    expect(oneLine(resumed.stderr)).toMatch(/nothing to resume: .*checkpoint\.safetensors does not exist/);
  }, 60_000);

  it("caps --threads at 4 per core, with one line", async () => {
    const dir = join(tmp(), "run");
    const cap = 4 * availableParallelism();
    const r = await run(["train", ...TINY.slice(0, -2), "--threads", "1024", "--steps", "1", "--out", dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--threads 1024 is more than 4 per core: running ${cap} threads (${availableParallelism()} cores here)\n`);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).threads).toBe(cap);
  }, 60_000);
});

describe("a log that cannot grow", () => {
  it("stops in one line when metrics.jsonl reaches the file size limit (ulimit -f), saving the steps trained", async () => {
    const dir = join(tmp(), "run");
    expect(await main(["train", ...TINY, "--steps", "2", "--log-every", "1", "--out", dir])).toBe(0);
    // a limit the checkpoint fits under, and a log padded to just below it
    const limitKiB = Math.ceil(readFileSync(join(dir, "checkpoint.safetensors")).length / 1024) + 16;
    const log = readFileSync(join(dir, "metrics.jsonl"), "utf8");
    // padding lines are real records (of step 0), which a resume keeps
    const pad = JSON.stringify({ ...JSON.parse(log.split("\n")[0]), step: 0 }) + "\n";
    writeFileSync(join(dir, "metrics.jsonl"), pad.repeat(Math.floor((limitKiB * 1024 - log.length - 100) / pad.length)) + log);
    const p = spawn("bash", ["-c", `ulimit -f ${limitKiB}; exec "$0" "$@"`, process.execPath, bin, "train", "--resume", "--steps", "100", "--log-every", "1", "--out", dir],
      { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d) => void (stderr += d));
    expect(await new Promise((resolve) => p.on("exit", (code, signal) => resolve({ code, signal })))).toEqual({ code: 1, signal: null });
    const errors = stderr.split("\n").filter((l) => l.startsWith("bvae"));
    // the step the log fills at depends on the length of its lines; the message names it twice and the checkpoint holds it
    const stopped = checkpointStep(dir);
    expect(stopped).toBeGreaterThan(2);
    expect(errors).toEqual([`bvae train: cannot append to ${dir}/metrics.jsonl: the file size limit is reached (EFBIG); stopped at step ${stopped}, checkpoint saved at step ${stopped}; `
      + `continue with --resume --out ${dir} once it can be written`]);
  }, 60_000);
});

describe.skipIf(process.getuid?.() !== 0)("file systems that refuse writes (tmpfs mounts: needs root)", () => {
  function mounted(options: string): { path: string; unmount: () => void } {
    const path = tmp();
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]);
    return { path, unmount: () => void execFileSync("umount", [path]) };
  }

  it("stops on a full disk in one line, keeping the last checkpoint, and resumes once there is room", async () => {
    const disk = mounted("size=16m");
    try {
      const dir = join(disk.path, "run");
      expect((await run(["train", ...TINY, "--steps", "2", "--log-every", "1", "--out", dir])).code).toBe(0);
      const p = await training(["train", "--resume", "--steps", "100000", "--checkpoint-every", "100000", "--out", dir]);
      const filler = join(disk.path, "filler");
      const fd = openSync(filler, "w");
      for (const chunk of [1 << 20, 4096, 1]) {
        try {
          for (;;) writeSync(fd, Buffer.alloc(chunk));
        } catch (e) {
          expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
        }
      }
      closeSync(fd);
      const { code } = await p.exited;
      expect(code).toBe(1);
      const errors = p.stderr.split("\n").filter((l) => l.startsWith("bvae"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^bvae train: cannot append to ${dir}/metrics\\.jsonl: no space left on the device \\(ENOSPC\\); stopped at step \\d+, `
        + `cannot write ${dir}/checkpoint\\.safetensors: no space left on the device \\(ENOSPC\\); the checkpoint in ${dir} \\(step 2\\) is intact; `
        + `continue with --resume --out ${dir} once it can be written$`));
      expect(p.stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(checkpointStep(dir)).toBe(2);

      unlinkSync(filler);
      expect((await run(["train", "--resume", "--steps", "4", "--out", dir])).code).toBe(0);
      expect(loggedSteps(dir)).toEqual([1, 2, 3, 4]);
    } finally {
      disk.unmount();
    }
  }, 120_000);

  it("says an --out under a read-only mount is read-only", async () => {
    const ro = mounted("ro,size=1m");
    try {
      await expectError(["train", "--steps", "1", "--out", join(ro.path, "a", "run")], /cannot write to output directory .*\/a\/run: the file system is read-only \(EROFS\)$/);
    } finally {
      ro.unmount();
    }
  });
});

describe("a resumed run keeps its settings", () => {
  it("continues with the run's --log-every and --threads; the original command with --resume added works; a change is refused naming it", async () => {
    const dir = join(tmp(), "run");
    const original = ["train", "--preset", "quick", ...TINY, "--steps", "3", "--checkpoint-every", "2", "--log-every", "2", "--out", dir];
    expect(await main(original)).toBe(0);
    expect(loggedSteps(dir)).toEqual([2, 3]);
    expect(settings(dir)).toMatchObject({ dataset: "blobs", lr: 0.001, steps: 3, "checkpoint-every": 2, "log-every": 2, threads: 1, objective: "beta", beta: 4 });
    expect(settings(dir).gamma).toBeUndefined(); // the other objective's flags are not the run's

    expect(await main([...original, "--resume"])).toBe(0);
    expect(captured.out.at(-1)).toBe(`${dir} is already at step 3 of 3; give a larger --steps to train further`);
    expect(await main(["train", "--resume", "--steps", "6", "--out", dir])).toBe(0);
    expect(loggedSteps(dir)).toEqual([2, 3, 4, 6]);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).threads).toBe(1);

    await expectError(["train", "--resume", "--lr", "0.1", "--steps", "7", "--out", dir], /^bvae train: --lr cannot be changed when resuming: this run has 0\.001, not 0\.1$/, 2);
    await expectError(["train", "--resume", "--preset", "burgess-dsprites", "--out", dir], /--dataset cannot be changed when resuming: this run has blobs, not dsprites/, 2);
    await expectError(["train", "--resume", "--gamma", "10", "--out", dir], /--gamma applies to the capacity, β-TCVAE and FactorVAE objectives; this run trains the β-VAE objective \(β = 4\)/, 2);
  });

  it("refuses a checkpoint with another latent count than the run's", async () => {
    const root = tmp();
    expect(await main(["train", ...TINY, "--steps", "1", "--out", join(root, "two")])).toBe(0);
    expect(await main(["train", ...TINY.slice(0, -4), "--latents", "3", "--threads", "1", "--steps", "1", "--out", join(root, "three")])).toBe(0);
    copyFileSync(join(root, "three", "checkpoint.safetensors"), join(root, "two", "checkpoint.safetensors"));
    await expectError(["train", "--resume", "--steps", "2", "--out", join(root, "two")],
      /the checkpoint was not written by this run: it has --latents 3, .*two\/config\.json has 2$/);
  });
});

describe("objectives beyond β and capacity", () => {
  it.each([
    ["tcvae", ["--estimator", "mss"], { objective: "tcvae", beta: 6, alpha: 1, gamma: 1, "dataset-size": 737280, estimator: "mss" }, ["mi", "tc", "dimwiseKl"]],
    ["dipvae-i", [], { objective: "dipvae-i", "lambda-od": 10, "lambda-d-factor": 10 }, ["dipOffDiagonal", "dipDiagonal"]],
    ["dipvae-ii", ["--lambda-od", "2"], { objective: "dipvae-ii", "lambda-od": 2, "lambda-d-factor": 1 }, ["dipOffDiagonal", "dipDiagonal"]],
  ] as [string, string[], Record<string, unknown>, string[]][])("trains %s with its own settings, logs its terms and resumes", async (kind, flags, settings, terms) => {
    const dir = join(tmp(), "run");
    expect(await main(["train", ...TINY.slice(2), ...flags, "--objective", kind, "--steps", "2", "--log-every", "1", "--out", dir])).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.settings).toMatchObject(settings); // tcvae's N: dSprites' 737,280 images
    for (const other of ["beta", "gamma", "capacity-max", "lambda-od", "estimator"].filter((k) => !(k in settings))) expect(config.settings).not.toHaveProperty(other);
    expect(await main(["train", "--resume", "--steps", "3", "--out", dir])).toBe(0);
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of lines) expect(Object.keys(l.terms)).toEqual(terms);
  });
});

describe("one-line refusals, before anything is created", () => {
  it.each([
    [["--seed", "1e17"], /--seed must be at most 9007199254740991 \(2\^53 − 1\), got '1e17'/],
    [["--gamma", "10"], /--gamma applies to the capacity, β-TCVAE and FactorVAE objectives; this run trains the β-VAE objective \(β = 4\)/],
    [["--objective", "capacity", "--beta", "2"], /--beta applies to the β-VAE and β-TCVAE objectives; this run trains the capacity objective \(γ = 1000\)/],
    [["--objective", "beta", "--capacity-max", "5"], /--capacity-max applies to the capacity objective/],
    [["--objective", "tcvae", "--lambda-od", "5"], /--lambda-od applies to the DIP-VAE-I and DIP-VAE-II objectives; this run trains the β-TCVAE objective \(β = 6\)$/],
    [["--objective", "dipvae-ii", "--estimator", "mss"], /--estimator applies to the β-TCVAE objective; this run trains the DIP-VAE-II objective \(λ_od = 10\)$/],
    [["--objective", "tcvae", "--estimator", "exact"], /--estimator must be one of mws, mss; got 'exact'$/],
  ] as [string[], RegExp][])("train %j", async (flags, message) => {
    const dir = join(tmp(), "run");
    await expectError(["train", ...TINY, ...flags, "--out", dir], message, 2);
    expect(existsSync(dir)).toBe(false);
  });

  it("bounds eval --samples", async () => {
    await expectError(["eval", "--encoder", "ground-truth", "--samples", "1e300", "--out", join(tmp(), "e")], /--samples must be at most 1000000, got 1e\+300/, 2);
  });

  it("refuses a checkpoint whose batch is out of bounds", async () => {
    const dir = join(tmp(), "run");
    expect(await main(["train", ...TINY, "--steps", "1", "--out", dir])).toBe(0);
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "checkpoint.safetensors"))));
    checkpoint.config.batch = 1e8;
    writeFileSync(join(dir, "checkpoint.safetensors"), serializeCheckpoint(checkpoint));
    const message = /checkpoint metadata is corrupt: batch must be an integer in \[1, 4096\], got 100000000$/;
    await expectError(["info", "--checkpoint", join(dir, "checkpoint.safetensors")], message);
    await expectError(["train", "--resume", "--steps", "2", "--out", dir], message);
  });

  it("refuses to export over an existing file without --force", async () => {
    const dir = join(tmp(), "run");
    expect(await main(["train", ...TINY, "--steps", "1", "--out", dir])).toBe(0);
    const log = readFileSync(join(dir, "metrics.jsonl"));
    await expectError(["export", "--checkpoint", join(dir, "checkpoint.safetensors"), "--out", join(dir, "metrics.jsonl")], /metrics\.jsonl exists; give --force to replace it$/);
    expect(readFileSync(join(dir, "metrics.jsonl")).equals(log)).toBe(true);
  });

  it("names what is kept and the likely cause when a step is not finite", async () => {
    const root = tmp();
    await expectError(["train", ...TINY, "--lr", "1", "--steps", "30", "--checkpoint-every", "1", "--out", join(root, "lr")],
      new RegExp(`step 2: a gradient is not finite; stopped before updating the weights\\. The checkpoint in ${root}/lr \\(step 1\\) is intact; the learning rate is the likely cause: try a lower --lr \\(this run's is 1\\)$`));
    await expectError(["train", ...TINY, "--beta", "1e25", "--steps", "30", "--out", join(root, "beta")],
      /step 1: .*\. No checkpoint was saved yet \(the first is due at step 30\); β = 1e\+25 makes the KL term's gradient overflow: try a lower --beta$/);
  });
});
