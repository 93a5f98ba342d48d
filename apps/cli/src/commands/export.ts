// bvae export: a checkpoint's weights without the Adam moments (a third of the size), for
// shipping a model to evaluate, draw or load in the web demo or PyTorch. The run's logged
// curves, thinned, go along in the metadata when its metrics.jsonl is beside the checkpoint.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { decodeCheckpoint, serializeCheckpoint, thinHistory, weightsOnly } from "@betavae/core";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { FileError, readFileOrFail, writeFileAtomic } from "../files";
import { checkLatents, readMetrics } from "../metrics-log";
import { METRICS_FILE } from "../run-dir";

export const EXPORT_FLAGS: FlagSpecs = {
  checkpoint: { type: "string", placeholder: "FILE", help: "checkpoint.safetensors written by bvae train" },
  out: { type: "string", placeholder: "FILE", help: "where to write the weights-only checkpoint" },
  "no-history": { type: "bool", help: "leave out the training curves (metrics.jsonl beside the checkpoint)" },
  force: { type: "bool", help: "replace --out if it exists" },
};

export async function exportWeights(argv: string[], io: { out: (line: string) => void }): Promise<number> {
  const { flags, help } = parseFlags(argv, EXPORT_FLAGS, "export");
  if (help) {
    io.out(helpText("usage: bvae export --checkpoint FILE --out FILE", "Write a checkpoint's weights alone (no optimiser state): evaluable and drawable, not resumable.", EXPORT_FLAGS));
    return 0;
  }
  if (!flags.checkpoint) throw new UsageError("--checkpoint FILE is required");
  if (!flags.out) throw new UsageError("--out FILE is required");
  const source = resolve(flags.checkpoint as string), target = resolve(flags.out as string);
  if (source === target) throw new UsageError("--out must differ from --checkpoint: the export would replace the resumable checkpoint");
  if (existsSync(target) && flags.force !== true) throw new FileError(`${target} exists; give --force to replace it`);
  const input = readFileOrFail(source, "checkpoint");
  const checkpoint = weightsOnly(decodeCheckpoint(input));
  const metricsPath = join(dirname(source), METRICS_FILE);
  let history = "";
  if (flags["no-history"] !== true && existsSync(metricsPath)) {
    // a resumed run rewrites its log; steps past the checkpoint's are not its history
    const records = readMetrics(metricsPath).filter((r) => r.step <= checkpoint.state.step);
    checkLatents(metricsPath, records, checkpoint.config.model.latents);
    const thinned = thinHistory(records);
    checkpoint.app = { ...checkpoint.app, history: thinned };
    history = ` and ${thinned.length} logged steps of its training`;
  }
  const bytes = serializeCheckpoint(checkpoint);
  writeFileAtomic(target, bytes);
  io.out(`wrote ${target}: ${(bytes.length / 2 ** 20).toFixed(2)} MiB of weights${history} (from ${(input.length / 2 ** 20).toFixed(2)} MiB)`);
  return 0;
}
