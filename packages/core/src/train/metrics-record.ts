// A logged training step: one line of a run's metrics.jsonl. Every writer (the CLI's log, the
// page's history) and every reader (bvae figures and export, the KL curves, a checkpoint's
// history) goes through this type, its encoder and its decoder, so a log written by one front
// end reads the same in all the others.

/** One logged step. Logs written before the training watch existed have no spreads. */
export interface MetricsRecord {
  step: number;
  /** reconstruction NLL, nats per image */
  recon: number;
  /** KL(q(z|x) ‖ N(0, I)), nats per image */
  kl: number;
  klPerLatent: number[];
  /** each latent's posterior-mean standard deviation over the step's batch */
  meanStdPerLatent?: number[];
  /** the capacity target in nats; null for the β objective */
  C: number | null;
  beta?: number;
  gamma?: number;
  loss?: number;
  /** the loss's parts beyond the reconstruction, by name, as the objective reports them (β-TCVAE's mi, tc, dimwiseKl) */
  terms?: Record<string, number>;
  gradNorm?: number;
  imagesPerSec?: number;
  /** seconds since the session started */
  seconds?: number;
  backend?: string;
  threads?: number;
}

export class MetricsRecordError extends Error {
  override name = "MetricsRecordError";
}

/** Key order of a line: the order logs have always had. */
const KEYS = ["step", "recon", "kl", "klPerLatent", "meanStdPerLatent", "C", "beta", "gamma", "loss", "terms", "gradNorm", "imagesPerSec", "seconds", "backend", "threads"] as const;

/** The record as one line of JSON (no newline), keys in the log's order, absent ones left out. */
export function encodeMetricsRecord(record: MetricsRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEYS) if (record[key] !== undefined) ordered[key] = record[key];
  return JSON.stringify(ordered);
}

/**
 * A line back into a record. `where` names the line in errors ("metrics.jsonl line 3"). Keys
 * the record does not know are dropped; a known key with a value of the wrong type is an error.
 */
export function decodeMetricsRecord(line: string, where: string): MetricsRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line);
  } catch {
    throw new MetricsRecordError(`${where} is not JSON`);
  }
  if (typeof r !== "object" || r === null || typeof r.step !== "number" || typeof r.recon !== "number" || typeof r.kl !== "number"
    || !Array.isArray(r.klPerLatent) || !(r.C === null || typeof r.C === "number")) {
    throw new MetricsRecordError(`${where} lacks step, recon, kl, klPerLatent or C`);
  }
  const klPerLatent = r.klPerLatent as number[];
  if (r.meanStdPerLatent !== undefined && !(Array.isArray(r.meanStdPerLatent) && r.meanStdPerLatent.length === klPerLatent.length)) {
    throw new MetricsRecordError(`${where} has a meanStdPerLatent that does not match its klPerLatent`);
  }
  const record: MetricsRecord = { step: r.step, recon: r.recon, kl: r.kl, klPerLatent, C: r.C as number | null };
  if (r.meanStdPerLatent !== undefined) record.meanStdPerLatent = r.meanStdPerLatent as number[];
  for (const key of ["beta", "gamma", "loss", "gradNorm", "imagesPerSec", "seconds", "threads"] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== "number") throw new MetricsRecordError(`${where} has a ${key} that is not a number`);
    record[key] = r[key];
  }
  if (r.terms !== undefined) {
    const terms = r.terms as Record<string, unknown>;
    if (typeof terms !== "object" || terms === null || Array.isArray(terms) || Object.values(terms).some((v) => typeof v !== "number")) {
      throw new MetricsRecordError(`${where} has terms that are not numbers by name`);
    }
    record.terms = terms as Record<string, number>;
  }
  if (r.backend !== undefined) {
    if (typeof r.backend !== "string") throw new MetricsRecordError(`${where} has a backend that is not a name`);
    record.backend = r.backend;
  }
  return record;
}

/** A whole log (blank lines skipped); `name` prefixes line numbers in errors. */
export function decodeMetricsLog(text: string, name: string): MetricsRecord[] {
  const records: MetricsRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim()) records.push(decodeMetricsRecord(line, `${name} line ${i + 1}`));
  });
  return records;
}
