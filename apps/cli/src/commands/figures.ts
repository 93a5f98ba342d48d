// bvae figures: the papers' figures of a training run, from its metrics.jsonl and checkpoint:
// KL per latent against step and, for the capacity objective, against C (Fig. 3);
// reconstructions and traversals ordered by KL (Fig. 4); and for a dataset of two varying
// factors (Gaussian blobs) a heatmap per latent of its mean over every position (Fig. 2).
// Given a bare checkpoint instead (an export, the shipped model), the KL curves come from the
// thinned history an export carries (none without one); latents are ordered by KL measured on
// the dataset.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BetaVAE, INFORMATIVE_STD, type MetricsRecord, SWITCHED_ON_KL, UninformativeKlWatch, decodeCheckpoint, historyOf, loadWeights } from "@betavae/core";
import { checkpointDataset, encodePng, hasFactors } from "@betavae/datasets";
import { openDataset } from "@betavae/datasets/node";
import { FIGURE_SEED_OFFSETS, type KlRecord, type LatentUsage, klCurveSpec, klPerLatent, latentHeatmapFigure, latentUsage, modelEncoder, switchOnOrder, variedFactors } from "@betavae/eval";
import { renderChart } from "@betavae/eval/node";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { BACKEND_FLAGS, openBackend } from "../backend";
import { FileError, ensureWritableDir, readFileOrFail, writeFileAtomic } from "../files";
import { checkLatents, readMetrics } from "../metrics-log";
import { writeModelFigures } from "../model-figures";
import { folderProgress, formatColumns } from "../progress";
import { CHECKPOINT_FILE, METRICS_FILE } from "../run-dir";

export const FIGURES_FLAGS: FlagSpecs = {
  run: { type: "string", placeholder: "DIR", help: "run directory written by bvae train (metrics.jsonl, checkpoint.safetensors)" },
  checkpoint: { type: "string", placeholder: "FILE", help: "a checkpoint without its run (KL curves from the history an export carries); needs --out" },
  out: { type: "string", placeholder: "DIR", help: "where to write the PNGs (default: the run directory)" },
  seed: { type: "int", min: 0, help: "seed of the images shown (default: the run's seed)" },
  ...BACKEND_FLAGS,
};

export async function figures(argv: string[], io: { out: (line: string) => void; err: NodeJS.WriteStream }): Promise<number> {
  const { flags, help } = parseFlags(argv, FIGURES_FLAGS, "figures");
  if (help) {
    io.out(helpText("usage: bvae figures (--run DIR | --checkpoint FILE --out DIR) [--out DIR]",
      "Draw a run's figures: KL curves, reconstructions, traversals, and latent heatmaps for two-factor datasets.", FIGURES_FLAGS));
    return 0;
  }
  if (flags.run && flags.checkpoint) throw new UsageError("give --run DIR or --checkpoint FILE, not both");
  if (!flags.run && !flags.checkpoint) throw new UsageError("--run DIR or --checkpoint FILE is required");
  if (flags.checkpoint && !flags.out) throw new UsageError("--checkpoint needs --out DIR for the figures");
  let records: MetricsRecord[] | null = null;
  let checkpointPath = flags.checkpoint as string | undefined;
  if (flags.run) {
    const run = resolve(flags.run as string);
    if (!existsSync(run)) throw new FileError(`run directory ${run} does not exist`);
    records = readMetrics(join(run, METRICS_FILE));
    checkpointPath = join(run, CHECKPOINT_FILE);
  }
  const checkpoint = decodeCheckpoint(readFileOrFail(checkpointPath!, "checkpoint"));
  const latents = checkpoint.config.model.latents;
  if (records) checkLatents(join(flags.run as string, METRICS_FILE), records, latents);
  const out = resolve((flags.out as string | undefined) ?? (flags.run as string));
  ensureWritableDir(out);

  const written: string[] = [];
  const write = (name: string, png: Uint8Array) => {
    writeFileAtomic(join(out, name), png);
    written.push(join(out, name));
  };
  const curves: readonly KlRecord[] = records ?? historyOf(checkpoint.app, latents);
  if (curves.length > 0) {
    write("kl-step.png", (await renderChart(klCurveSpec(curves, "step"))).png);
    if (curves.every((r) => r.C !== null)) write("kl-capacity.png", (await renderChart(klCurveSpec(curves, "capacity"))).png);
  }

  const dataset = await openDataset(checkpointDataset(checkpoint), folderProgress(io.err));
  const backend = await openBackend(flags, (line) => io.err.write(`${line}\n`));
  try {
    const model = BetaVAE.build(backend, checkpoint.config.model, 1);
    loadWeights(model, checkpoint, false);
    const seed = checkpoint.config.seed;
    written.push(...(await writeModelFigures(backend, model, dataset, (flags.seed as number | undefined) ?? seed, out)));
    let batchModel: BetaVAE | undefined;
    const batch = () => (batchModel ??= BetaVAE.build(backend, checkpoint.config.model, 64, model)); // only when a figure or table needs it
    if (hasFactors(dataset) && variedFactors(dataset).length === 2) {
      const kl = records ? records[records.length - 1].klPerLatent : await klPerLatent(batch(), dataset, seed + FIGURE_SEED_OFFSETS.kl);
      write("heatmaps.png", encodePng(await latentHeatmapFigure(dataset, modelEncoder(batch()), kl)));
    }
    io.out(`figures: ${written.join(", ")}`);
    if (records) for (const line of switchOnTable(records, await latentUsage(batch(), dataset, seed + 3))) io.out(line);
    return 0;
  } finally {
    backend.dispose(); // stops its threads
  }
}

/**
 * Fig. 3 as text: the latents that switched on, in order, with the step and C when they did,
 * whether the checkpoint's latent carries information or only KL, and (for a log that records
 * spreads) the step at which training warned about it.
 */
function switchOnTable(records: MetricsRecord[], usage: LatentUsage): string[] {
  const order = switchOnOrder(records);
  const head = `switch-on order (KL above ${SWITCHED_ON_KL} nats from that logged step to the end of the log):`;
  if (order.length === 0) return [`${head} none`];
  const warned = warningsInLog(records);
  const rows = order.map((s) => [
    `z${s.latent}`, String(s.step), s.C === null ? "—" : s.C.toFixed(2), s.finalKl.toFixed(2), usage.meanStd[s.latent].toFixed(3),
    ...(warned ? [String(warned.get(s.latent) ?? "—")] : []),
    usage.meanStd[s.latent] < INFORMATIVE_STD ? "KL without information" : "",
  ]);
  return [head, ...formatColumns(["latent", "step", "C", "final KL", "mean std", ...(warned ? ["warned at"] : []), ""], rows),
    `(mean std: the spread of the latent's posterior mean over ${usage.images} images; below ${INFORMATIVE_STD} the image barely moves it)`,
    ...(warned ? ["(warned at: the step at which bvae train warned of KL without information, replayed from the spreads it logged)"] : [])];
}

/** The training watch replayed over the logged spreads: latent → step warned; null for a log without spreads. */
function warningsInLog(records: MetricsRecord[]): Map<number, number> | null {
  const logged = records.filter((r) => r.meanStdPerLatent);
  if (logged.length === 0) return null;
  const watch = new UninformativeKlWatch(records[0].klPerLatent.length);
  const warned = new Map<number, number>();
  for (const r of logged) for (const u of watch.observe(r.step, r.klPerLatent, r.meanStdPerLatent!)) warned.set(u.latent, u.step);
  return warned;
}
