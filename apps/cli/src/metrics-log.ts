// metrics.jsonl: a run's logged steps, one MetricsRecord a line, appended as training goes,
// read back for its figures and for the history an exported model carries.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { type HistoryPoint, type MetricsRecord, MetricsRecordError, decodeMetricsLog, decodeMetricsRecord, encodeMetricsRecord } from "@betavae/core";
import { FileError, describeFsError, readFileOrFail, writeFileAtomic } from "./files";

/** The logged steps; a line that is not a step record is an error naming the line. */
export function readMetrics(path: string): MetricsRecord[] {
  const text = new TextDecoder().decode(readFileOrFail(path, "metrics log"));
  let records: MetricsRecord[];
  try {
    records = decodeMetricsLog(text, path);
  } catch (e) {
    if (e instanceof MetricsRecordError) throw new FileError(e.message);
    throw e;
  }
  if (records.length === 0) throw new FileError(`${path} has no logged steps`);
  return records;
}

/** A line of metrics.jsonl that could not be appended (a full disk): the run stops, saving what it can. */
export class MetricsWriteError extends FileError {}

export function appendMetricsRecord(path: string, record: MetricsRecord): void {
  try {
    appendFileSync(path, encodeMetricsRecord(record) + "\n");
  } catch (e) {
    throw new MetricsWriteError(`cannot append to ${path}: ${describeFsError(e)}`);
  }
}

/** On resume, drops lines logged after the checkpoint (the run logs those steps again) and any torn line. */
export function keepMetricsUpTo(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, "utf8").split("\n").filter((line, i) => {
    if (!line.trim()) return false;
    try {
      return decodeMetricsRecord(line, `line ${i + 1}`).step <= step;
    } catch {
      return false;
    }
  });
  writeFileAtomic(path, kept.map((l) => l + "\n").join(""));
}

/** Refuses a log whose KL per latent has another length than the model's latents. */
export function checkLatents(path: string, records: readonly HistoryPoint[], latents: number): void {
  if (records.some((r) => r.klPerLatent.length !== latents)) {
    throw new FileError(`${path} logs a KL per latent of another length than the checkpoint's ${latents} latents`);
  }
}
