// bvae: train, inspect and draw β-VAEs. Every failure is one line on stderr and a non-zero
// exit; nothing a user made is overwritten.
import { CheckpointError, ConfigError, NonFiniteError, ObjectiveError, ShapeError } from "@betavae/core";
import packageJson from "../package.json" with { type: "json" };
import { UsageError } from "./args";
import { evalCommand } from "./commands/eval";
import { exportWeights } from "./commands/export";
import { figures } from "./commands/figures";
import { info } from "./commands/info";
import { sweep } from "./commands/sweep";
import { report } from "./commands/report";
import { train } from "./commands/train";
import { traverse } from "./commands/traverse";
import { worker } from "./commands/worker";
import { FileError } from "./files";
import { stopWhenParentDies } from "./stop-signals";
import { QueueError } from "./study/queue";
import { StudyError } from "./study/study-file";

const COMMANDS: Record<string, (argv: string[], io: { out: (l: string) => void; err: NodeJS.WriteStream }) => Promise<number>> = {
  train, eval: evalCommand, figures, traverse, info, export: exportWeights, sweep, worker, report,
};

const USAGE = `usage: bvae <command> [options]

commands:
  train      train a β-VAE (bvae train --preset quick)
  eval       score disentanglement (BetaVAE, FactorVAE, MIG) of a checkpoint or a reference encoder
  figures    draw a run's figures: KL curves, traversals, reconstructions, latent heatmaps
  traverse   draw reconstructions and latent traversals of a checkpoint
  info       print a checkpoint's configuration and training state
  export     write a checkpoint's weights alone (no optimiser state), for shipping a model
  sweep      train, evaluate and draw every run of a study (a grid of settings × seeds) on a local pool
             or, with --queue, across machines through Redis
  worker     take a study's runs off a Redis queue (bvae sweep --queue) and train them
  report     a study's results table (results.csv) and report with plots (report.md, report.html)

bvae <command> --help shows a command's options; bvae --version prints the version.`;

/** Errors a user can act on: printed as one line, without a stack. */
const EXPECTED = [UsageError, FileError, StudyError, CheckpointError, ConfigError, ObjectiveError, NonFiniteError, ShapeError, RangeError, QueueError];

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { out: (line: string) => console.log(line), err: process.stderr };
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-V") {
    console.log(packageJson.version);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`bvae: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(", ")}; see bvae --help)`);
    return 2;
  }
  stopWhenParentDies();
  try {
    return await run(rest, io);
  } catch (e) {
    const err = e as Error;
    if (EXPECTED.some((cls) => err instanceof cls) || err?.name === "DatasetFileError") {
      console.error(`bvae ${command}: ${err.message}`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}
