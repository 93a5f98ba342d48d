// Studies across machines: every run of a study is a BullMQ job on Redis, its id the run's id
// (so enqueueing a study twice adds nothing), carrying { run, dir }. `bvae worker` processes on
// any machine that sees the study directory take the jobs; each run trains in a child bvae
// process (executeRun), so the worker's event loop stays free to renew its job locks however
// busy a training step is.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DelayedError, type Job, Queue, type RedisOptions, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { ensureWritableDir } from "../files";
import { formatColumns, formatDuration } from "../progress";
import { LOCK_FILE, isAlive } from "../run-dir";
import { executeRun } from "./execute";
import { type Study, type StudyRun, isInside, validateRun } from "./study-file";

/** One queue for every study: a worker serves whatever study its roots reach. */
export const QUEUE_NAME = "bvae-study";

/**
 * Lock and stall settings for runs of hours. The worker renews each job's lock every half
 * lock duration from an event loop that never trains, so a live worker keeps its locks through
 * Redis or network pauses of up to ~2.5 minutes. A worker that dies (SIGKILL, a machine gone)
 * stops renewing: its run goes back to the queue once the lock has expired and a stall check
 * has seen it (at most lock + 2 × interval, ~7 minutes), small against a run of hours, and
 * another worker resumes it from its last checkpoint. A run that stalls a third time (it takes
 * its machine down with it, say) is failed rather than retried forever.
 */
export const QUEUE_TIMING = { lockSeconds: 300, stalledSeconds: 60, maxStalledCount: 2 } as const;

/**
 * Errors that are not the run's fault (a full disk, a child killed by the OOM killer) get a
 * few more tries, a minute and then two apart; the run's own failures (bad settings, a
 * non-finite loss) fail at once.
 */
const JOB_OPTIONS = { attempts: 3, backoff: { type: "exponential", delay: 60_000 }, removeOnComplete: false, removeOnFail: false } as const;

/** How long a worker leaves a job whose directory it cannot see before another may try. */
const UNREACHABLE_DELAY_MS = 30_000;

/** What a worker writes as a job's progress: the run's step and the worker's estimate. */
interface JobProgress {
  step: number;
  steps: number;
  etaSeconds: number | null;
  worker: string;
}

export interface QueueJobData {
  run: StudyRun;
  /** The study directory, absolute; the run writes DIR/runs/<id>/. */
  dir: string;
}

export class QueueError extends Error {
  override name = "QueueError";
}

/** A Redis URL taken apart into ioredis options, and the URL as messages may show it. */
export interface RedisTarget {
  options: RedisOptions;
  /** The URL without its password. */
  where: string;
}

/** Parses redis://[user:password@]host[:port][/db] or rediss:// (TLS). */
export function redisTarget(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--queue must be a redis:// or rediss:// URL, got '${url.replace(/\/\/[^@/]*@/, "//***@")}'`);
  }
  if (u.password) u.password = "***";
  const where = u.toString();
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new QueueError(`--queue must be a redis:// or rediss:// URL, got '${where}'`);
  if (!u.hostname) throw new QueueError(`--queue needs a host: ${where}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(`--queue: the database number must be a non-negative integer, got '${u.pathname.slice(1)}' in ${where}`);
  const original = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    where,
    options: {
      host,
      port: u.port ? Number(u.port) : 6379,
      username: original.username ? decodeURIComponent(original.username) : undefined,
      password: original.password ? decodeURIComponent(original.password) : undefined,
      db,
      tls: u.protocol === "rediss:" ? { servername: host } : undefined,
      connectTimeout: 5_000,
      // BullMQ's blocking commands must wait as long as they need
      maxRetriesPerRequest: null,
    },
  };
}

/** Connects once, without retrying: an unreachable or refusing server is one line, at once. */
async function checkReachable(target: RedisTarget): Promise<void> {
  const client = new Redis({ ...target.options, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  let failure: Error | undefined;
  client.on("error", (e: Error) => void (failure ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = failure ?? (e as Error);
    const code = (err as NodeJS.ErrnoException).code;
    throw new QueueError(`cannot reach Redis at ${target.where}: ${code && !err.message.includes(code) ? `${err.message} (${code})` : err.message}`);
  } finally {
    client.disconnect();
  }
}

/** Opens the study queue at `url`, after checking the server answers. */
export async function openQueue(url: string) {
  const target = redisTarget(url);
  await checkReachable(target);
  const queue = new Queue<QueueJobData>(QUEUE_NAME, { connection: target.options });
  queue.on("error", () => {
    // the calls that need the server report its failures themselves
  });
  return queue;
}

export type StudyQueue = Awaited<ReturnType<typeof openQueue>>;

/** Adds the study's runs that are not on the queue yet; a run already there, in any state, stays as it is. */
export async function enqueueStudy(queue: StudyQueue, study: Study, dir: string): Promise<{ added: number; present: number }> {
  const absolute = resolve(dir);
  let added = 0;
  for (const run of study.runs) {
    if (await queue.getJob(run.id)) continue;
    await queue.add(study.name, { run, dir: absolute }, { ...JOB_OPTIONS, jobId: run.id });
    added++;
  }
  return { added, present: study.runs.length - added };
}

/** A run's place on the queue, as `bvae sweep status --queue` shows it. */
export interface QueuedRun {
  id: string;
  state: string;
  worker: string;
  step: number | null;
  steps: number | null;
  etaSeconds: number | null;
  error: string;
}

function describeJob(job: Job<QueueJobData>, state: string): QueuedRun {
  const progress = (typeof job.progress === "object" ? job.progress : null) as Partial<JobProgress> | null;
  const finished = state === "completed";
  const steps = progress?.steps ?? null;
  return {
    id: job.id ?? "?",
    state,
    worker: job.processedBy ?? progress?.worker ?? "",
    step: finished ? steps : (progress?.step ?? null),
    steps,
    etaSeconds: state === "active" ? (progress?.etaSeconds ?? null) : null,
    error: state === "failed" ? (job.failedReason ?? "").split("\n")[0] : "",
  };
}

/** Every run on the queue, or only those with the given ids. */
export async function queuedRuns(queue: StudyQueue, ids?: readonly string[]): Promise<QueuedRun[]> {
  if (ids) {
    const rows: QueuedRun[] = [];
    for (const id of ids) {
      const job = await queue.getJob(id);
      rows.push(job ? describeJob(job, await job.getState()) : { id, state: "missing", worker: "", step: null, steps: null, etaSeconds: null, error: "" });
    }
    return rows;
  }
  const states = ["active", "waiting", "delayed", "prioritized", "completed", "failed"] as const;
  const rows: QueuedRun[] = [];
  for (const state of states) {
    for (const job of await queue.getJobs([state])) rows.push(describeJob(job, state === "waiting" ? "waiting" : state));
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** The rows of `bvae sweep status --queue`. */
export function formatQueuedRuns(rows: QueuedRun[]): string[] {
  return formatColumns(["run", "state", "worker", "step", "ETA", "error"], rows.map((r) => [
    r.id,
    r.state,
    r.worker || "-",
    r.step === null ? "-" : `${r.step}/${r.steps ?? "?"}`,
    r.etaSeconds === null ? "-" : formatDuration(r.etaSeconds),
    r.error,
  ]));
}

/** Counts of a study's runs by where they are. */
export interface StudyCounts {
  done: number;
  failed: number;
  running: number;
  queued: number;
  /** The largest ETA among the running runs, in seconds. */
  etaSeconds: number | null;
}

export function countRuns(rows: QueuedRun[]): StudyCounts {
  const counts: StudyCounts = { done: 0, failed: 0, running: 0, queued: 0, etaSeconds: null };
  for (const r of rows) {
    if (r.state === "completed") counts.done++;
    else if (r.state === "failed") counts.failed++;
    else if (r.state === "active") {
      counts.running++;
      if (r.etaSeconds !== null) counts.etaSeconds = Math.max(counts.etaSeconds ?? 0, r.etaSeconds);
    } else counts.queued++;
  }
  return counts;
}

/** Polls the study's runs until every one has completed or failed; returns their last rows. */
export async function followStudy(queue: StudyQueue, ids: readonly string[], onUpdate: (counts: StudyCounts) => void, signal?: AbortSignal, everyMs = 1000): Promise<QueuedRun[]> {
  for (;;) {
    const rows = await queuedRuns(queue, ids);
    const counts = countRuns(rows);
    onUpdate(counts);
    if (counts.done + counts.failed === ids.length || signal?.aborted) return rows;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Why a worker will not run a job: the job's own fault, so it is failed, never retried. */
class RefusedJob extends UnrecoverableError {}

/**
 * The run and its directory, if this worker may run the job: validated settings, a study
 * directory under one of `roots` (symbolic links followed). A directory the worker cannot see
 * (not mounted on this machine) returns null: the job is left for another worker.
 */
export function admitJob(data: unknown, roots: readonly string[]): { run: StudyRun; runDir: string } | null {
  const { run: rawRun, dir } = (data ?? {}) as Partial<QueueJobData>;
  let run: StudyRun;
  try {
    run = validateRun(rawRun, roots);
  } catch (e) {
    throw new RefusedJob(`refused: ${(e as Error).message}`);
  }
  if (typeof dir !== "string" || !isAbsolute(dir)) throw new RefusedJob(`refused: the job's directory must be an absolute path, got ${JSON.stringify(dir)}`);
  const inRoots = (path: string) => roots.some((root) => isInside(path, root));
  if (!inRoots(resolve(dir))) throw new RefusedJob(`refused: ${dir} is outside this worker's roots (${roots.join(", ")}; see --allow-root)`);
  let real: string;
  try {
    real = realpathSync(dir);
    if (!statSync(real).isDirectory()) return null;
  } catch {
    return null;
  }
  if (!inRoots(real)) throw new RefusedJob(`refused: ${dir} leads to ${real}, outside this worker's roots (${roots.join(", ")}; see --allow-root)`);
  return { run, runDir: join(real, "runs", run.id) };
}

/** Who holds a run directory's lock, unless nobody does or its holder died on this machine (`bvae train` takes that over). */
function otherHolder(runDir: string): string | null {
  let holder: { pid?: unknown; host?: unknown };
  try {
    holder = JSON.parse(readFileSync(join(runDir, LOCK_FILE), "utf8"));
  } catch {
    return null; // no lock, or one being written or removed: `bvae train` sorts it out
  }
  if (holder.host === hostname() && typeof holder.pid === "number" && !isAlive(holder.pid)) return null;
  return `${runDir} is in use by process ${holder.pid} on ${holder.host}`
    + (holder.host === hostname() ? "" : ` (if that machine is gone, delete ${join(runDir, LOCK_FILE)})`);
}

export interface WorkerOptions {
  url: string;
  threads: number;
  concurrency: number;
  /** Absolute directories the worker may write under (realpaths). */
  roots: string[];
  lockSeconds: number;
  stalledSeconds: number;
  log: (line: string) => void;
  /** Aborted when the worker should stop: running runs checkpoint and go back to the queue. */
  signal: AbortSignal;
}

/** Takes runs off the queue until `signal` aborts; then puts the running ones back. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const target = redisTarget(options.url);
  await checkReachable(target);
  const name = `${hostname()}:${process.pid}`;
  const roots = options.roots.map((root) => realpathSync(root));
  const processor = async (job: Job<QueueJobData>, token?: string, jobSignal?: AbortSignal) => {
    const admitted = admitJob(job.data, roots);
    if (!admitted) {
      options.log(`${job.id}: cannot see ${job.data?.dir} from this machine; leaving the run to another worker`);
      await job.moveToDelayed(Date.now() + UNREACHABLE_DELAY_MS, token);
      throw new DelayedError();
    }
    const { run, runDir } = admitted;
    const holder = otherHolder(runDir);
    if (holder) {
      // a run of a worker that died may still be trained by its orphaned child, or held by a machine that is gone
      options.log(`${run.id}: ${holder}; leaving the run for later`);
      await job.moveToDelayed(Date.now() + options.lockSeconds * 1000, token);
      throw new DelayedError();
    }
    options.log(`${run.id}: started in ${runDir}`);
    const started = Date.now();
    let firstStep: number | null = null;
    let lastReport = 0;
    const outcome = await executeRun(run, runDir, {
      threads: options.threads,
      worker: name,
      signal: jobSignal,
      onProgress: ({ step, steps }) => {
        const now = Date.now();
        if (now - lastReport < 2000 && step < steps) return;
        lastReport = now;
        firstStep ??= step;
        const rate = (step - firstStep) / ((now - started) / 1000);
        const etaSeconds = rate > 0 ? (steps - step) / rate : null;
        void job.updateProgress({ step, steps, etaSeconds, worker: name } satisfies JobProgress).catch(() => {});
      },
    });
    if (outcome.state === "failed") {
      options.log(`${run.id}: failed: ${outcome.error}`);
      throw new UnrecoverableError(outcome.error);
    }
    if (outcome.state === "stopped") {
      // Stopping (SIGTERM, Ctrl-C): the run has checkpointed; it goes back to the queue for
      // whichever worker comes next. A lost lock: the job is already someone else's.
      if (options.signal.aborted) await job.moveToWait(token);
      options.log(`${run.id}: stopped at its checkpoint; back on the queue`);
      throw new WaitingError();
    }
    options.log(`${run.id}: done`);
    return outcome.result;
  };
  const worker = new Worker<QueueJobData>(QUEUE_NAME, processor, {
    connection: target.options,
    name,
    concurrency: options.concurrency,
    lockDuration: options.lockSeconds * 1000,
    stalledInterval: options.stalledSeconds * 1000,
    maxStalledCount: QUEUE_TIMING.maxStalledCount,
    autorun: false,
  });
  worker.on("failed", (job, err) => {
    if (job && err instanceof RefusedJob) options.log(`${job.id}: ${err.message}`);
  });
  worker.on("error", (err) => {
    // A lock this worker could not renew (Redis away for too long) may be taken by another
    // worker: stop training that run here so two never write one directory.
    const lost = /could not renew lock for job (.+)$/.exec(err.message);
    if (lost) worker.cancelJob(lost[1], "lock lost");
    options.log(`queue: ${err.message}`);
  });
  if (options.signal.aborted) return;
  options.log(`worker ${name}: taking runs from ${target.where} (concurrency ${options.concurrency}, ${options.threads} thread${options.threads === 1 ? "" : "s"} each; roots ${roots.join(", ")})`);
  const running = worker.run();
  await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve(), { once: true }));
  options.log("stopping: running runs checkpoint and go back to the queue");
  // close first, so no new run starts, then stop the running ones
  const closing = worker.close();
  worker.cancelAllJobs("stopping");
  await closing;
  await running;
}

/** "5/8 done, 2 running, 1 queued, 0 failed, ETA 3m10s": the study at a glance. */
export function formatCounts(c: StudyCounts, total: number): string {
  return `${c.done}/${total} done, ${c.running} running, ${c.queued} queued, ${c.failed} failed`
    + (c.etaSeconds !== null ? `, ETA ${formatDuration(c.etaSeconds)}` : "");
}

export interface SweepIO {
  out: (line: string) => void;
  err: NodeJS.WriteStream;
}

/**
 * `bvae sweep STUDY --out DIR --queue URL [--wait]`: enqueues the study's runs (nothing when
 * Redis cannot be reached) and, with `wait`, follows them to the end: 0 when every run is done,
 * 1 when one failed.
 */
export async function sweepOnQueue(study: Study, dir: string, url: string, wait: boolean, io: SweepIO, signal?: AbortSignal): Promise<number> {
  const queue = await openQueue(url);
  try {
    // every worker resolves the study directory, so it must exist before a run is queued
    ensureWritableDir(dir);
    const { added, present } = await enqueueStudy(queue, study, dir);
    const where = redisTarget(url).where;
    io.out(`${study.name}: ${added} run${added === 1 ? "" : "s"} queued on ${where}${present ? ` (${present} already there)` : ""}; `
      + `workers: bvae worker --queue URL --allow-root ${resolve(dir)}`);
    if (!wait) return 0;
    const live = io.err.isTTY === true;
    let lastLine = "";
    const rows = await followStudy(queue, study.runs.map((r) => r.id), (counts) => {
      const line = formatCounts(counts, study.runs.length);
      if (live) io.err.write(`\r${line}\x1b[K`);
      else if (line !== lastLine) io.err.write(`${line}\n`);
      lastLine = line;
    }, signal);
    if (live) io.err.write("\n");
    if (signal?.aborted) {
      io.out(`stopped following; the runs go on (bvae sweep status --queue URL)`);
      return 130;
    }
    const failed = rows.filter((r) => r.state === "failed");
    for (const r of failed) io.out(`${r.id}: failed: ${r.error}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await queue.close();
  }
}

/** `bvae sweep status --queue URL`: every run on the queue, its state, worker, step and ETA. */
export async function sweepStatusOnQueue(url: string, io: SweepIO): Promise<number> {
  const queue = await openQueue(url);
  try {
    const rows = await queuedRuns(queue);
    if (rows.length === 0) {
      io.out(`no runs on ${redisTarget(url).where}`);
      return 0;
    }
    for (const line of formatQueuedRuns(rows)) io.out(line);
    io.out(formatCounts(countRuns(rows), rows.length));
    return 0;
  } finally {
    await queue.close();
  }
}
