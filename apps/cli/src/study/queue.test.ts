// The study queue against a real redis-server (no mock): Redis URLs with a password, an
// unreachable server in one line, a study enqueued twice, a failed run retried, a run's command
// killed from outside, jobs put on the queue by hand that a worker must refuse, and a study of eight tiny runs over three `bvae worker` processes, one
// killed with SIGKILL, one killed with the run it trains (a machine gone) and one stopped with
// SIGTERM mid-run, whose runs each end once with the metrics of the same run trained alone.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../run-dir";
import { captureConsole, expectError } from "../test-console";
import { BVAE_BIN, FAILED_FILE, RESULT_FILE, lastLoggedStep } from "./execute";
import { QUEUE_NAME, QueueError, enqueueStudy, openQueue, redisTarget, runWorker } from "./queue";
import { type StudyRun, parseStudy } from "./study-file";
import { type TestRedis, startRedis } from "./test-redis";
import { tinyStudy, tmp, trainedAlone } from "./test-study";

captureConsole();

const servers: TestRedis[] = [];
/** Processes a test started; a failed test leaves none of them running. */
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const server of servers.splice(0)) await server.stop();
});
async function redis(options: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const server = await startRedis(options);
  servers.push(server);
  return server;
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A worker in this process taking runs under `root` off the server's queue, and a handle on that queue. */
function inProcessWorker(server: TestRedis, root: string) {
  const queue = new Queue(QUEUE_NAME, { connection: redisTarget(server.url).options });
  const log: string[] = [];
  const stop = new AbortController();
  const working = runWorker({ url: server.url, threads: 1, concurrency: 1, roots: [root], lockSeconds: 5, stalledSeconds: 5, log: (l) => log.push(l), signal: stop.signal });
  const stopWorker = async () => {
    stop.abort();
    await working;
  };
  const close = async () => {
    await stopWorker();
    await queue.close();
  };
  return { queue, log, stop: stopWorker, close };
}

/** A study of one tiny run, enqueued by `bvae sweep --queue` with its directory under `root`. */
async function enqueueOneRun(server: TestRedis, root: string, beta: string, steps?: number) {
  const studyFile = join(root, "one.yaml");
  writeFileSync(studyFile, tinyStudy(`{ beta: [${beta}] }`, "[1]", steps));
  const [run] = parseStudy(readFileSync(studyFile, "utf8"), studyFile).runs;
  const dir = join(root, "study");
  expect((await bvae(["sweep", studyFile, "--out", dir, "--queue", server.url])).code).toBe(0);
  return { studyFile, run, dir, runDir: join(dir, "runs", run.id) };
}

/** Eight tiny runs: 2 β × 4 seeds of 64×64 blobs, 8 images a step, two latents. */
const TINY_STUDY = tinyStudy("{ beta: [1, 4] }", "[1, 2, 3, 4]", 150);

describe("Redis URLs", () => {
  it("carry a password, a user, a database and TLS to the client, and never show the password", () => {
    const plain = redisTarget("redis://:p%40ss%2Fword@queue.example:6380/2");
    expect(plain.options).toMatchObject({ host: "queue.example", port: 6380, password: "p@ss/word", db: 2, tls: undefined });
    expect(plain.where).toBe("redis://:***@queue.example:6380/2");
    const tls = redisTarget("rediss://study:secret@10.0.0.5");
    expect(tls.options).toMatchObject({ host: "10.0.0.5", port: 6379, username: "study", password: "secret", db: 0, tls: {} });
    expect(tls.where).not.toContain("secret");
    expect(redisTarget("rediss://queue.example:6390").options).toMatchObject({ host: "queue.example", port: 6390, tls: { servername: "queue.example" } });
  });

  it("refuse what is not a Redis URL in one line", () => {
    expect(() => redisTarget("http://:secret@host:6379")).toThrow(/^--queue must be a redis:\/\/ or rediss:\/\/ URL, got 'http:\/\/:\*\*\*@host:6379\/'$/);
    expect(() => redisTarget("localhost:6379")).toThrow(QueueError);
    expect(() => redisTarget("redis://host/one")).toThrow(/database number must be a non-negative integer, got 'one'/);
  });
});

describe("the study queue on a real redis-server", () => {
  it("connects with the server's password; a wrong or missing one is one line without the password", async () => {
    const server = await redis({ password: "s3cret/pw" });
    const queue = await openQueue(server.url);
    await queue.add("probe", { run: {} as StudyRun, dir: "/" }, { jobId: "probe" });
    expect(await queue.count()).toBe(1);
    await queue.close();
    const wrong = `redis://:wrong-pw@127.0.0.1:${server.port}`;
    await expect(openQueue(wrong)).rejects.toThrow(new RegExp(`^cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}: WRONGPASS`));
    await openQueue(wrong).catch((e: Error) => expect(e.message).not.toContain("wrong-pw"));
    await expect(openQueue(`redis://127.0.0.1:${server.port}`)).rejects.toThrow(/NOAUTH/);
  });

  it("speaks TLS to a rediss:// server whose certificate the machine trusts, and refuses one it does not in one line", async () => {
    const server = await redis({ password: "s3cret", tls: true });
    const trusting = await bvae(["sweep", "status", "--queue", server.url], { NODE_EXTRA_CA_CERTS: server.caFile });
    expect(trusting).toEqual({ code: 0, stdout: `no runs on rediss://:***@127.0.0.1:${server.port}\n`, stderr: "" });
    const wary = await bvae(["sweep", "status", "--queue", server.url]);
    expect(wary).toMatchObject({ code: 1, stdout: "" });
    expect(wary.stderr).toMatch(new RegExp(`^bvae sweep: cannot reach Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}: self-signed certificate in certificate chain[^\n]*\n$`));
  });

  it("an unreachable server is one line, at once, and nothing is queued or written", async () => {
    const server = await redis();
    await server.stop(); // nothing listens on its port any more
    const refused = `cannot reach Redis at redis://127\\.0\\.0\\.1:${server.port}: connect ECONNREFUSED`;
    await expectError(["worker", "--queue", server.url], new RegExp(`^bvae worker: ${refused}`));
    const root = tmp();
    writeFileSync(join(root, "tiny.yaml"), TINY_STUDY);
    await expectError(["sweep", join(root, "tiny.yaml"), "--out", join(root, "study"), "--queue", server.url, "--wait"], new RegExp(`^bvae sweep: ${refused}`));
    await expectError(["sweep", "status", "--queue", server.url], new RegExp(`^bvae sweep: ${refused}`));
    await expectError(["sweep", join(root, "tiny.yaml"), "--out", join(root, "study"), "--queue", server.url, "--workers", "2"], /^bvae sweep: --workers is for a local pool; with --queue, each bvae worker sets its own$/, 2);
    await expectError(["sweep", join(root, "tiny.yaml"), "--out", join(root, "study"), "--wait"], /^bvae sweep: --wait follows a study on a queue: give --queue URL$/, 2);
    expect(readdirSync(root)).toEqual(["tiny.yaml"]);
    // something that answers, but is no Redis
    const http = createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as { port: number };
    await expect(openQueue(`redis://127.0.0.1:${port}`)).rejects.toThrow(`cannot reach Redis at redis://127.0.0.1:${port}: the server there does not speak the Redis protocol`);
    http.close();
  });

  it("enqueueing a study twice adds no job", async () => {
    const server = await redis();
    const study = parseStudy(TINY_STUDY, "tiny.yaml");
    const queue = await openQueue(server.url);
    try {
      expect(await enqueueStudy(queue, study, tmp())).toEqual({ added: 8, present: 0, retried: [] });
      expect(await enqueueStudy(queue, study, tmp())).toEqual({ added: 0, present: 8, retried: [] });
      expect(await queue.count()).toBe(8);
      expect((await queue.getJobs(["waiting"])).map((j) => j.id).sort()).toEqual(study.runs.map((r) => r.id).sort());
    } finally {
      await queue.close();
    }
  });

  it("a failed run stays failed when the study is enqueued again, and goes back on the queue with --retry-failed", async () => {
    const server = await redis();
    const root = tmp();
    const { studyFile, run, dir, runDir } = await enqueueOneRun(server, root, "1e30");
    const { queue, stop, close } = inProcessWorker(server, root);
    try {
      const failed = await until(async () => (await queue.getJob(run.id).then((j) => j?.getState())) === "failed", "the diverging run to fail");
      expect(failed).toBe(true);
      await stop();
      const failedFile = join(runDir, FAILED_FILE);
      expect(existsSync(failedFile)).toBe(true);
      const again = await bvae(["sweep", studyFile, "--out", dir, "--queue", server.url]);
      expect(again.stdout).toMatch(/^study tiny: 0 runs queued on .*, 1 already there; /);
      expect(await (await queue.getJob(run.id))!.getState()).toBe("failed");

      const retried = await bvae(["sweep", studyFile, "--out", dir, "--queue", server.url, "--retry-failed"]);
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(new RegExp(`^retrying ${run.id.replace("+", "\\+")}, which failed: train: bvae train: step 1: a gradient is not finite; .*\nstudy tiny: 0 runs queued on .*, 1 already there; `));
      const job = (await queue.getJob(run.id))!;
      expect(await job.getState()).toBe("waiting");
      expect(job.attemptsMade).toBe(0);
      expect(existsSync(failedFile)).toBe(false);
    } finally {
      await close();
    }
  });

  it("a run whose command is killed from outside (the OOM killer) spends an attempt and is tried again later from its checkpoint", async () => {
    const server = await redis();
    const root = tmp();
    const { run, runDir } = await enqueueOneRun(server, root, "4", 100_000);
    const { queue, log, close } = inProcessWorker(server, root);
    try {
      await until(async () => (lastLoggedStep(join(runDir, "metrics.jsonl")) ?? 0) >= 12, "the run to train past its checkpoints");
      const trainer = JSON.parse(readFileSync(join(runDir, LOCK_FILE), "utf8")).pid as number;
      process.kill(trainer, "SIGKILL");
      const job = await until(async () => {
        const j = (await queue.getJob(run.id))!;
        return (await j.getState()) === "delayed" ? j : null;
      }, "the run to wait for its next attempt");
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^a bvae command of the run was stopped by a signal at its checkpoint of step \d+$/);
      expect(existsSync(join(runDir, FAILED_FILE))).toBe(false); // not the run's own failure
      expect(log).toContain(`${run.id}: started in ${runDir}`);
      // its next attempt (brought forward from the one-minute backoff) resumes from the checkpoint, taking over the dead trainer's lock
      await job.promote();
      const studyLog = join(runDir, "study.log");
      await until(async () => /^\$ bvae train --resume /m.test(readFileSync(studyLog, "utf8")), "the second attempt to resume the run");
      await until(async () => readFileSync(studyLog, "utf8").includes(`took over ${join(runDir, LOCK_FILE)} from process ${trainer}, which died without releasing it`), "the takeover of the lock");
    } finally {
      await close();
    }
  });

  it("a worker refuses jobs put on the queue by hand with an unknown flag, a shell string or a path outside its roots, and writes nothing", async () => {
    const server = await redis();
    const root = tmp(), outside = tmp();
    symlinkSync(outside, join(root, "escape"));
    const [run] = parseStudy(TINY_STUDY, "tiny.yaml").runs;
    // a run directory a live process holds (the orphaned child of a killed worker, say)
    const held = join(root, "held");
    mkdirSync(join(held, "runs", run.id), { recursive: true });
    writeFileSync(join(held, "runs", run.id, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const { queue, log, close } = inProcessWorker(server, root);
    const jobs: Record<string, unknown> = {
      "unknown-flag": { run: { ...run, settings: { ...run.settings, evil: "x" } }, dir: root },
      "shell-string": { run: { ...run, settings: { ...run.settings, dataset: "blobs; touch /tmp/owned" } }, dir: root },
      "outside": { run, dir: outside },
      "through-a-link": { run, dir: join(root, "escape") },
      "relative": { run, dir: "." },
      "not-mounted": { run, dir: join(root, "not-mounted-here") },
      "held": { run, dir: held },
    };
    try {
      for (const [id, data] of Object.entries(jobs)) await queue.add("by-hand", data, { jobId: id });
      const reason = await until(async () => {
        const settled: Record<string, string> = {};
        for (const id of Object.keys(jobs)) {
          // the state first: a job read before it failed has no failedReason yet
          const state = await queue.getJobState(id);
          if (state === "failed" || state === "delayed") settled[id] = `${state}: ${(await queue.getJob(id))!.failedReason ?? ""}`;
        }
        return Object.keys(settled).length === 7 ? settled : null;
      }, "the hand-made jobs to be refused");
      expect(reason["unknown-flag"]).toMatch(/^failed: refused: run "[^"]+": settings\.evil: unknown setting 'evil'/);
      expect(reason["shell-string"]).toMatch(/^failed: refused: .*dataset must be one of .*got 'blobs; touch \/tmp\/owned'/);
      expect(reason.outside).toBe(`failed: refused: ${outside} is outside this worker's roots (${root}; see --allow-root)`);
      expect(reason["through-a-link"]).toMatch(/^failed: refused: .*escape leads to .*, outside this worker's roots/);
      expect(reason.relative).toBe('failed: refused: the job\'s directory must be an absolute path, got "."');
      // a directory this machine cannot see is left for another worker, not failed
      expect(reason["not-mounted"]).toBe("delayed: ");
      expect(log.some((l) => l.includes("not-mounted: cannot see") && l.includes("leaving the run to another worker"))).toBe(true);
      // and a run directory in use waits until it is free
      expect(reason.held).toBe("delayed: ");
      expect(log).toContain(`${run.id}: ${join(held, "runs", run.id)} is in use by process ${process.pid} on ${hostname()}; leaving the run for later`);
      expect(readdirSync(join(held, "runs", run.id))).toEqual([LOCK_FILE]);
      for (const line of Object.values(reason)) expect(line).not.toContain("\n");
      expect(readdirSync(outside)).toEqual([]);
      expect(readdirSync(root).sort()).toEqual(["escape", "held"]);
      expect(existsSync("/tmp/owned")).toBe(false);
    } finally {
      await close();
    }
  });
});

interface Worker {
  child: ChildProcess;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(url: string, root: string): Worker {
  const child = spawn(process.execPath, [BVAE_BIN, "worker", "--queue", url, "--allow-root", root, "--threads", "1", "--lock-seconds", "2", "--stalled-seconds", "1"],
    { stdio: ["ignore", "ignore", "pipe"] });
  started.push(child);
  const worker: Worker = { child, log: "", exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))) };
  child.stderr!.on("data", (d) => void (worker.log += d));
  return worker;
}

/** The pids of a process's children (`ps --ppid`). */
function childrenOf(pid: number): number[] {
  const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).trim();
  return out ? out.split(/\s+/).map(Number) : [];
}

/** Whether a process runs: not gone, and not a zombie (an orphan's exit is reaped by whoever adopted it, maybe never in a container). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0] !== "Z";
  } catch {
    return false;
  }
}

/** Runs bvae to its end: its exit code and what it printed. */
function bvae(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BVAE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  started.push(child);
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => void (stdout += d));
  child.stderr!.on("data", (d) => void (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("a study across worker processes", () => {
  it("ends every run once, with the metrics of the run trained alone, though workers are killed, lost with their machine and stopped mid-run", async () => {
    const server = await redis();
    const root = tmp();
    const dir = join(root, "study");
    const studyFile = join(root, "tiny.yaml");
    writeFileSync(studyFile, TINY_STUDY);
    const study = parseStudy(TINY_STUDY, studyFile);
    const queue = await openQueue(server.url);
    const workers = [startWorker(server.url, root), startWorker(server.url, root), startWorker(server.url, root)];
    try {
      const sweeping = bvae(["sweep", studyFile, "--out", dir, "--queue", server.url, "--wait"]);
      const names = new Map(workers.map((w) => [`${hostname()}:${w.child.pid}`, w]));
      /** A worker whose run is past its first checkpoint and far from its end. */
      const midRun = (busy: Set<Worker>) => until(async () => {
        for (const job of await queue.getJobs(["active"])) {
          const worker = names.get(job.processedBy ?? "");
          const step = lastLoggedStep(join(dir, "runs", job.id!, "metrics.jsonl"));
          if (worker && !busy.has(worker) && step !== null && step >= 30 && step <= 90) return { worker, id: job.id! };
        }
        return null;
      }, "a run in the middle of its training");

      // a worker killed: the `bvae train` it started sees its parent gone, saves its checkpoint
      // and exits within seconds; a worker resumes the run once the job's lock expires
      const killed = await midRun(new Set());
      const orphan = childrenOf(killed.worker.child.pid!);
      expect(orphan).toHaveLength(1);
      killed.worker.child.kill("SIGKILL");
      expect(await killed.worker.exited).toEqual({ code: null, signal: "SIGKILL" });
      await until(async () => !isRunning(orphan[0]), "the orphaned bvae train to stop", 20);
      expect(readFileSync(join(dir, "runs", killed.id, "study.log"), "utf8")).toMatch(/^interrupted at step \d+: checkpoint saved to /m);
      expect(existsSync(join(dir, "runs", killed.id, LOCK_FILE))).toBe(false);

      // a machine gone: the worker and the run it trains die at once; another worker resumes
      // the run from its last checkpoint
      const gone = await midRun(new Set([killed.worker]));
      const trainer = childrenOf(gone.worker.child.pid!);
      gone.worker.child.kill("SIGKILL");
      for (const pid of trainer) process.kill(pid, "SIGKILL");
      expect(await gone.worker.exited).toEqual({ code: null, signal: "SIGKILL" });

      // a worker stopped: its run checkpoints and goes back to the queue
      const stopped = await midRun(new Set([killed.worker, gone.worker]));
      stopped.worker.child.kill("SIGTERM");
      expect(await stopped.worker.exited).toEqual({ code: 0, signal: null });
      expect(stopped.worker.log).toMatch(new RegExp(`${stopped.id}: stopped at its checkpoint of step \\d+; back on the queue`));
      workers.push(startWorker(server.url, root), startWorker(server.url, root));

      const swept = await sweeping;
      for (const line of swept.stderr.trim().split("\n").filter(Boolean)) expect(line).toMatch(/^study tiny \d\/8 \| /);
      expect(swept.stdout).toMatch(/^study tiny: 8 runs queued on redis:\/\/127\.0\.0\.1:\d+; /);
      expect(swept.stdout).toMatch(/study tiny: 8 runs finished, 0 failed; results in /);
      expect(swept.code).toBe(0);
      // enqueueing again adds nothing
      expect((await bvae(["sweep", studyFile, "--out", dir, "--queue", server.url])).stdout).toMatch(/^study tiny: 0 runs queued on .*, 8 already there; /);
      expect(await queue.count()).toBe(0);
      expect(await queue.getJobCountByTypes("completed")).toBe(8);

      const status = await bvae(["sweep", "status", "--queue", server.url]);
      expect(status.code).toBe(0);
      const lines = status.stdout.trim().split("\n");
      expect(lines.at(-1)).toBe("study tiny: 8 done, 0 running, 0 queued, 0 failed");
      for (const run of study.runs) expect(lines.find((l) => l.startsWith(run.id))).toMatch(new RegExp(`^${run.id} +done +150/150 +— +${hostname()}:\\d+`));

      const logs = workers.map((w) => w.log).join("");
      for (const run of study.runs) {
        expect(logs.split("\n").filter((l) => l.endsWith(`${run.id}: done`))).toHaveLength(1);
        expect(JSON.parse(readFileSync(join(dir, "runs", run.id, RESULT_FILE), "utf8")).id).toBe(run.id);
      }
      for (const interrupted of [killed.id, gone.id, stopped.id]) {
        expect(readFileSync(join(dir, "runs", interrupted, "study.log"), "utf8")).toMatch(/\$ bvae train --resume /);
      }

      // the same runs, trained alone by `bvae train` on one thread
      for (const run of study.runs) {
        const { steps: step, recon, kl, klPerLatent } = JSON.parse(readFileSync(join(dir, "runs", run.id, RESULT_FILE), "utf8"));
        expect({ step, recon, kl, klPerLatent }, run.id).toEqual(trainedAlone(run));
      }
    } finally {
      for (const w of workers) w.child.kill("SIGKILL");
      await queue.close();
    }
  }, 400_000);
});
