// A run's logged curves, thinned to travel in a checkpoint's app metadata: an exported model
// carries the KL-per-latent story of its training, and the web demo draws it on load.
import { CheckpointError } from "./checkpoint";
import type { MetricsRecord } from "./metrics-record";

/** The part of a logged step that a history keeps. */
export type HistoryPoint = Pick<MetricsRecord, "step" | "recon" | "kl" | "C" | "klPerLatent">;

/** At most this many points go into a checkpoint: ~60 KB of JSON for 10 latents. */
export const HISTORY_POINTS = 400;

/**
 * Evenly spaced records (the first and the last always kept), values rounded to 4 significant
 * digits: curves that look the same at a fraction of the size.
 */
export function thinHistory(records: readonly HistoryPoint[], maxPoints = HISTORY_POINTS): HistoryPoint[] {
  if (maxPoints < 2) throw new RangeError(`a history keeps at least 2 points, got ${maxPoints}`);
  const n = records.length;
  const picked = n <= maxPoints ? records : Array.from({ length: maxPoints }, (_, i) => records[Math.round((i * (n - 1)) / (maxPoints - 1))]);
  const round = (v: number) => Number(v.toPrecision(4));
  return picked.map((r) => ({ step: r.step, recon: round(r.recon), kl: round(r.kl), C: r.C === null ? null : round(r.C), klPerLatent: r.klPerLatent.map(round) }));
}

/** Every other item, the last always kept: halves a series while keeping its spacing even and its end. */
export function halveKeepingLast<T>(items: readonly T[]): T[] {
  return items.filter((_, i) => i % 2 === 0 || i === items.length - 1);
}

/**
 * Appends a live step to a history kept in memory: past `keep` points it is halved, so a long
 * session costs bounded memory.
 */
export function appendHistory(history: HistoryPoint[], point: HistoryPoint, keep: number): HistoryPoint[] {
  history.push(point);
  return history.length > keep ? halveKeepingLast(history) : history;
}

/**
 * The history in a checkpoint's app metadata: [] when it has none. `latents` is the model's;
 * a history that does not fit it is an error, not something to draw.
 */
export function historyOf(app: Record<string, unknown>, latents: number): HistoryPoint[] {
  const history = app.history;
  if (history === undefined) return [];
  const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const valid = Array.isArray(history) && history.every((p: Partial<HistoryPoint> | null) =>
    typeof p === "object" && p !== null && finite(p.step) && finite(p.recon) && finite(p.kl) && (p.C === null || finite(p.C))
    && Array.isArray(p.klPerLatent) && p.klPerLatent.length === latents && p.klPerLatent.every(finite));
  if (!valid) throw new CheckpointError(`the checkpoint's training history is malformed (expected steps with recon, kl, C and ${latents} KLs per latent)`);
  return history as HistoryPoint[];
}
