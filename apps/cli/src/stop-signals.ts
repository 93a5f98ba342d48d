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
