// How a long command is asked to stop: Ctrl-C (SIGINT), SIGTERM (docker stop, Slurm, systemd,
// `timeout`, a queue worker's shutdown) and SIGHUP (a closed terminal) all abort one signal,
// so the command finishes the step it is in, saves and exits as after a clean stop. A second
// signal exits at once with the shell's status for it (128 + its number: 130, 143, 129).
import { constants } from "node:os";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface StopSignals {
  /** Aborted at the first signal; its reason is the signal's name ("SIGTERM"). */
  readonly signal: AbortSignal;
  /** Stops listening: the signals' default actions apply again. */
  dispose(): void;
}

/** Set by a sweep or worker on the bvae commands it starts: its own pid. */
export const PARENT_PID_ENV = "BVAE_PARENT_PID";

/**
 * A command a sweep or worker started stops as at SIGTERM (a run saves its checkpoint) once
 * that process is gone (a SIGKILL, the OOM killer): an orphan would train on, unwatched, and
 * hold its run's directory from the next worker.
 */
export function stopWhenParentDies(everyMs = 1000): void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  if (!Number.isSafeInteger(parent) || parent <= 0) return;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch); // once: a second SIGTERM would exit without saving
    process.kill(process.pid, "SIGTERM");
  }, everyMs);
  watch.unref();
}

export function stopOnSignals(): StopSignals {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(128 + constants.signals[name]);
    controller.abort(name);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}
