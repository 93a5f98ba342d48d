// metrics.jsonl, read back: the logged steps of a run, for its figures and for the history an
// exported model carries.
import type { HistoryPoint } from "@betavae/core";
import { FileError, readFileOrFail } from "./files";

/** A logged step; runs logged before the training watch existed have no spreads. */
export interface LoggedStep extends HistoryPoint {
  /** each latent's posterior-mean standard deviation over the step's batch */
  meanStdPerLatent?: number[];
}

/** The logged steps; a line that is not a step record is an error naming the line. */
export function readMetrics(path: string): LoggedStep[] {
  const text = new TextDecoder().decode(readFileOrFail(path, "metrics log"));
  const records: LoggedStep[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let r: Partial<LoggedStep>;
    try {
      r = JSON.parse(line);
    } catch {
      throw new FileError(`${path} line ${i + 1} is not JSON`);
    }
    if (typeof r.step !== "number" || typeof r.recon !== "number" || typeof r.kl !== "number"
      || !Array.isArray(r.klPerLatent) || !(r.C === null || typeof r.C === "number")) {
      throw new FileError(`${path} line ${i + 1} lacks step, recon, kl, klPerLatent or C`);
    }
    if (r.meanStdPerLatent !== undefined && !(Array.isArray(r.meanStdPerLatent) && r.meanStdPerLatent.length === r.klPerLatent.length)) {
      throw new FileError(`${path} line ${i + 1} has a meanStdPerLatent that does not match its klPerLatent`);
    }
    records.push({ step: r.step, recon: r.recon, kl: r.kl, C: r.C, klPerLatent: r.klPerLatent, ...(r.meanStdPerLatent ? { meanStdPerLatent: r.meanStdPerLatent } : {}) });
  });
  if (records.length === 0) throw new FileError(`${path} has no logged steps`);
  return records;
}

/** Refuses a log whose KL per latent has another length than the model's latents. */
export function checkLatents(path: string, records: readonly HistoryPoint[], latents: number): void {
  if (records.some((r) => r.klPerLatent.length !== latents)) {
    throw new FileError(`${path} logs a KL per latent of another length than the checkpoint's ${latents} latents`);
  }
}
