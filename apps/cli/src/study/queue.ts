// Studies across machines: every run of a study is a BullMQ job on Redis, its id the run's id
// (so enqueueing a study twice adds nothing), carrying { run, dir }. `bvae worker` processes on
// any machine that sees the study directory take the jobs; each run trains in a child bvae
// process (executeRun), so the worker's event loop stays free to renew its job locks however
// busy a training step is.
import { realpathSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DelayedError, type Job, Queue, type RedisOptions, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { LOCK_EXPIRY_MS, LOCK_FILE, liveHolder } from "../run-dir";
import { type RunPhase, type RunResult, clearFailure, executeRun } from "./execute";
import type { PoolView } from "./pool";
import { RUNS_DIR, type RunState, type RunStatus, studyEta } from "./status";
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
  step: number | null;
  steps: number;
  stepsPerSec: number | null;
  phase: RunPhase;
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
  const { username, password } = u; // before the password is masked for messages
  if (password) u.password = "***";
  const where = u.toString();
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new QueueError(`--queue must be a redis:// or rediss:// URL, got '${where}'`);
  if (!u.hostname) throw new QueueError(`--queue needs a host: ${where}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(`--queue: the database number must be a non-negative integer, got '${u.pathname.slice(1)}' in ${where}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    where,
    options: {
      host,
      port: u.port ? Number(u.port) : 6379,
      username: username ? decodeURIComponent(username) : undefined,
      password: password ? decodeURIComponent(password) : undefined,
      db,
      // SNI names a host, never an address (RFC 6066); the certificate is checked against either
      tls: u.protocol === "rediss:" ? (isIP(host) ? {} : { servername: host }) : undefined,
      connectTimeout: 5_000,
      // BullMQ's blocking commands must wait as long as they need
      maxRetriesPerRequest: null,
    },
  };
}

function describeConnectError(err: Error): string {
  // something that answers, but not in Redis's protocol (an HTTP proxy, say)
  if (/Unknown RESP type/.test(err.message)) return "the server there does not speak the Redis protocol";
  const code = (err as NodeJS.ErrnoException).code;
  if (!err.message) return code ?? err.name; // Node's AggregateError of every address tried has no message
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
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
    throw new QueueError(`cannot reach Redis at ${target.where}: ${describeConnectError(failure ?? (e as Error))}`);
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

/**
 * Adds the study's runs that are not on the queue yet; a run already there, in any state, stays
 * as it is, except that `retryFailed` puts a failed one back in the queue with its attempts
 * renewed and its failed.json removed.
 */
export async function enqueueStudy(queue: StudyQueue, study: Study, dir: string, retryFailed = false): Promise<{ added: number; present: number; retried: { id: string; error: string }[] }> {
  const absolute = resolve(dir);
  let added = 0;
  const retried: { id: string; error: string }[] = [];
  for (const run of study.runs) {
    const state = await queue.getJobState(run.id);
    if (state === "unknown") {
      await queue.add(study.name, { run, dir: absolute }, { ...JOB_OPTIONS, jobId: run.id });
      added++;
    } else if (retryFailed && state === "failed") {
      // read after its state, so that it holds why it failed
      const job = (await queue.getJob(run.id))!;
      const error = (job.failedReason ?? "").split("\n")[0];
      // where its worker will look: the directory the run was first queued with
      clearFailure(join(typeof job.data?.dir === "string" ? job.data.dir : absolute, RUNS_DIR, run.id));
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried.push({ id: run.id, error });
    }
  }
  return { added, present: study.runs.length - added, retried };
}

/** A job's run as `bvae sweep status` shows it: the worker's progress report, or the run's result. */
function runStatusOf(job: Job<QueueJobData>, state: string): RunStatus {
  const progress = (typeof job.progress === "object" ? job.progress : null) as Partial<JobProgress> | null;
  const planned = job.data?.run?.settings?.steps;
  const steps = progress?.steps ?? (typeof planned === "number" ? planned : 0);
  const runState: RunState = state === "completed" ? "done" : state === "failed" ? "failed" : state === "active" ? "running" : "queued";
  const finished = runState === "done" ? (job.returnvalue as RunResult | null)?.steps : undefined;
  const worker = job.processedBy ?? progress?.worker;
  return {
    id: job.id ?? "?",
    state: runState,
    step: finished ?? progress?.step ?? null,
    steps,
    stepsPerSec: runState === "running" ? (progress?.stepsPerSec ?? null) : null,
    ...(runState === "running" && progress?.phase ? { phase: progress.phase } : {}),
    ...(worker ? { worker } : {}),
    ...(runState === "failed" ? { error: (job.failedReason ?? "").split("\n")[0] } : {}),
  };
}

/** The runs with the given ids; one the queue does not hold is queued (it is being added). */
export async function studyStatus(queue: StudyQueue, ids: readonly string[]): Promise<RunStatus[]> {
  const runs: RunStatus[] = [];
  for (const id of ids) {
    const job = await queue.getJob(id);
    runs.push(job ? runStatusOf(job, await job.getState()) : { id, state: "queued", step: null, steps: 0, stepsPerSec: null });
  }
  return runs;
}

/** Every run on the queue, by study name. */
export async function queueStatus(queue: StudyQueue): Promise<Map<string, RunStatus[]>> {
  const studies = new Map<string, RunStatus[]>();
  for (const state of ["active", "waiting", "delayed", "prioritized", "completed", "failed"] as const) {
    for (const job of await queue.getJobs([state])) {
      const runs = studies.get(job.name) ?? [];
      runs.push(runStatusOf(job, state));
      studies.set(job.name, runs);
    }
  }
  for (const runs of studies.values()) runs.sort((a, b) => a.id.localeCompare(b.id));
  return studies;
}

/** Polls the study's runs until every one has finished or failed (or `signal` aborts); returns their last states. */
export async function followStudy(queue: StudyQueue, ids: readonly string[], onUpdate: (view: PoolView) => void, signal?: AbortSignal, everyMs = 1000): Promise<RunStatus[]> {
  for (;;) {
    const runs = await studyStatus(queue, ids);
    onUpdate({ runs, eta: studyEta(runs) });
    if (runs.every((r) => r.state === "done" || r.state === "failed") || signal?.aborted) return runs;
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
  return { run, runDir: join(real, RUNS_DIR, run.id) };
}

/** Who holds a run directory's lock, when a live process (or one on another machine) does. */
function otherHolder(runDir: string): string | null {
  const holder = liveHolder(runDir);
  if (holder === null) return null;
  const path = join(runDir, LOCK_FILE);
  if (holder === "unreadable") return `${runDir} is locked by ${path}, which cannot be read`;
  return `${runDir} is in use by process ${holder.pid} on ${holder.host}` + (holder.host === hostname() ? "" : ` (its lock expires ${LOCK_EXPIRY_MS / 60_000} minutes after its machine last renewed it)`);
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
    let firstStep: { step: number; at: number } | null = null;
    let lastReport = 0;
    const steps = run.settings.steps as number;
    const report = (progress: JobProgress) => void job.updateProgress(progress).catch(() => {});
    const outcome = await executeRun(run, runDir, {
      threads: options.threads,
      worker: name,
      signal: jobSignal,
      onProgress: ({ step }) => {
        const now = Date.now();
        if (now - lastReport < 2000 && step < steps) return;
        lastReport = now;
        firstStep ??= { step, at: now };
        const stepsPerSec = now > firstStep.at ? (step - firstStep.step) / ((now - firstStep.at) / 1000) : null;
        report({ step, steps, stepsPerSec, phase: "train", worker: name });
      },
      // training reports its steps as it goes; a trained run is at its last step
      onPhase: (phase) => report({ step: phase === "train" ? null : steps, steps, stepsPerSec: null, phase, worker: name }),
    });
    if (outcome.state === "failed") {
      options.log(`${run.id}: failed: ${outcome.error}`);
      throw new UnrecoverableError(outcome.error);
    }
    if (outcome.state === "stopped") {
      const at = outcome.step === null ? "before its first checkpoint" : `at its checkpoint of step ${outcome.step}`;
      if (options.signal.aborted) {
        // the worker stops (SIGTERM, Ctrl-C): the run goes back to the queue for whichever worker comes next
        await job.moveToWait(token);
        options.log(`${run.id}: stopped ${at}; back on the queue`);
        throw new WaitingError();
      }
      if (jobSignal?.aborted) {
        options.log(`${run.id}: stopped ${at}: this worker lost the run's lock, so another takes it`);
        throw new WaitingError();
      }
      // its command was killed from outside (the OOM killer, say): an attempt spent, as for any error not the run's own
      throw new Error(`a bvae command of the run was stopped by a signal ${at}`);
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
