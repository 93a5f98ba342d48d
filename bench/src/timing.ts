// Timing and input helpers shared by the benchmarks.
import type { Rng } from "@betavae/core";
//
// Method: warm the function up (V8 first runs WebAssembly in its baseline tier and swaps in
// optimised code in the background), then time batches of calls, sizing each batch from the
// last one so that every batch lasts about `minSeconds / batches`. Keeps timing until there
// are at least `batches` batches and `minSeconds` of timed work. A batch's figure is its mean
// seconds per call; we keep every batch and report the median and the best.

export interface Timing {
  /** Seconds per call: median over batches of the batch mean. */
  median: number;
  /** Seconds per call: the fastest batch mean. */
  best: number;
  /** Timed calls in all (warm-up excluded). */
  calls: number;
  batches: number;
  /** Timed seconds in all. */
  seconds: number;
  /** Process CPU time over wall time while timing: about 1 for single-threaded code. */
  cpuPerWall: number;
}

export interface MeasureOptions {
  /** Timed seconds to reach, over all batches. */
  minSeconds: number;
  /** Batches to reach (default 5). */
  batches?: number;
  /** Warm-up: at least this many calls (default 3)… */
  warmupCalls?: number;
  /** …and at least this many seconds (default 0.05). */
  warmupSeconds?: number;
}

const now = (): number => performance.now() / 1000;

export function measure(fn: () => void, options: MeasureOptions): Timing {
  const batches = options.batches ?? 5;
  const warmupCalls = options.warmupCalls ?? 3;
  const warmupSeconds = options.warmupSeconds ?? 0.05;

  let start = now();
  let warm = 0;
  while (warm < warmupCalls || now() - start < warmupSeconds) {
    fn();
    warm++;
  }
  let perCall = (now() - start) / warm;

  const target = options.minSeconds / batches;
  const means: number[] = [];
  let calls = 0;
  let seconds = 0;
  const cpuStart = process.cpuUsage();
  // The cap only matters when a function speeds up a lot mid-run; normally `batches` suffice.
  while ((means.length < batches || seconds < options.minSeconds) && means.length < 4 * batches) {
    const reps = Math.max(1, Math.ceil(target / perCall));
    start = now();
    for (let i = 0; i < reps; i++) fn();
    const elapsed = now() - start;
    perCall = elapsed / reps;
    means.push(perCall);
    calls += reps;
    seconds += elapsed;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerWall = (cpu.user + cpu.system) / 1e6 / seconds;
  return { median: median(means), best: Math.min(...means), calls, batches: means.length, seconds, cpuPerWall };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** GFLOP/s of `flops` done in `seconds`. */
export const gflops = (flops: number, seconds: number): number => flops / seconds / 1e9;

/** `length` floats uniform in [-scale, scale) from a seeded generator. */
export function randomArray(rng: Rng, length: number, scale = 1): Float32Array {
  const out = new Float32Array(length);
  rng.fillUniform(out, -scale, scale);
  return out;
}

/** max |a − b| / max |b|: the error of `a` relative to the scale of `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > diff) diff = d;
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}
