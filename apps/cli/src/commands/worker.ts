// bvae worker: takes a study's runs off a BullMQ queue on Redis (`bvae sweep --queue`) and
// trains, evaluates and draws each in a child bvae process, on any machine that sees the study
// directory. It runs only validated settings and writes only under its --allow-root
// directories. SIGTERM or Ctrl-C: the running runs checkpoint and go back to the queue.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { stopOnSignals } from "../stop-signals";
import { QUEUE_TIMING, runWorker } from "../study/queue";
import { SWEEP_FLAGS } from "./sweep";

export const WORKER_FLAGS: FlagSpecs = {
  queue: { type: "string", placeholder: "URL", help: "the study queue: redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS" },
  threads: SWEEP_FLAGS.threads,
  concurrency: { type: "int", min: 1, max: 1024, help: "runs at once", default: 1 },
  "allow-root": { type: "string", placeholder: "DIR", help: "a directory whose studies this worker may run and write; repeat for several (default: the working directory)" },
  "lock-seconds": { type: "int", min: 1, help: "how long a run's lock lasts without renewal: a dead worker's run returns to the queue after it", default: QUEUE_TIMING.lockSeconds },
  "stalled-seconds": { type: "int", min: 1, help: "seconds between checks for runs of dead workers", default: QUEUE_TIMING.stalledSeconds },
};

/** Takes every `--name VALUE` / `--name=VALUE` out of argv: the flags that may be repeated. */
function takeRepeated(argv: string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      values.push(value);
    } else if (argv[i].startsWith(`--${name}=`)) values.push(argv[i].slice(name.length + 3));
    else rest.push(argv[i]);
  }
  return { values, rest };
}

export async function worker(argv: string[], io: { out: (line: string) => void; err: NodeJS.WriteStream }): Promise<number> {
  const { values: rootArgs, rest } = takeRepeated(argv, "allow-root");
  const { flags, help } = parseFlags(rest, WORKER_FLAGS, "worker");
  if (help) {
    io.out(helpText("usage: bvae worker --queue URL [--threads T] [--concurrency K] [--allow-root DIR …]",
      "Take runs of studies enqueued with `bvae sweep STUDY --out DIR --queue URL` and train them, one child process each.", WORKER_FLAGS));
    return 0;
  }
  if (!flags.queue) throw new UsageError("--queue URL is required (redis://HOST:PORT)");
  const roots = (rootArgs.length > 0 ? rootArgs : ["."]).map((root) => resolve(root));
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--allow-root ${root} is not a directory`);
  }
  const stop = stopOnSignals();
  try {
    await runWorker({
      url: flags.queue as string,
      threads: flags.threads as number,
      concurrency: flags.concurrency as number,
      roots,
      lockSeconds: flags["lock-seconds"] as number,
      stalledSeconds: flags["stalled-seconds"] as number,
      log: (line) => io.err.write(`${new Date().toISOString()} ${line}\n`),
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
  }
  return 0;
}
