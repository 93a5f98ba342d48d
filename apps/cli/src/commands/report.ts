// bvae report: a study's results table and report, from its run directories (DIR/runs/<id>/).
import { resolve } from "node:path";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { writeReport } from "../study/report";

export const REPORT_FLAGS: FlagSpecs = {};

export async function report(argv: string[], io: { out: (line: string) => void }): Promise<number> {
  // the one positional argument is DIR; the rest are flags
  const positional = argv.filter((a) => !a.startsWith("-"));
  const { help } = parseFlags(argv.filter((a) => a.startsWith("-")), REPORT_FLAGS, "report");
  if (help) {
    io.out(helpText("usage: bvae report DIR",
      "Write DIR/results.csv (one row per finished run: grid values, seed, recon, KL, active latents, KL per latent, metrics) " +
      "and DIR/report.md and DIR/report.html with the plots (DIR/report/), from the run directories DIR/runs/<id>/ a study wrote.", REPORT_FLAGS));
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? "the study directory DIR is required (bvae report DIR)" : `give one study directory, not ${positional.length}`);
  const dir = resolve(positional[0]);
  const files = await writeReport(dir);
  const { finished, failed, unfinished } = files.runs;
  io.out(`report: ${finished.length} finished runs${failed.length ? `, ${failed.length} failed` : ""}${unfinished.length ? `, ${unfinished.length} unfinished` : ""}`);
  io.out(`wrote ${files.csv}, ${files.markdown}, ${files.html} and ${files.plots.length} plot files in ${resolve(dir, "report")}`);
  return 0;
}
