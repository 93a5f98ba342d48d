// The metrics, by name: each is one file that exports its kind; this list makes it known to
// `evaluate`, `bvae eval`, study files and reports. A code-factor metric made by
// `codeFactorKind` (code-factor-metric.ts) needs only its compute function here.
import { BETAVAE } from "./betavae-metric";
import { DCI } from "./dci";
import { FACTORVAE } from "./factorvae-metric";
import type { CodeFactorMetricKind, MetricKind, MetricResult } from "./metric";
import { MIG } from "./mig";
import { MODULARITY } from "./modularity";
import { SAP } from "./sap";

const METRICS: readonly MetricKind[] = [BETAVAE, FACTORVAE, MIG, DCI, SAP, MODULARITY];

/** Every metric's name, in the order tables list them. */
export const METRIC_NAMES: readonly string[] = METRICS.map((m) => m.name);
export type MetricName = string;
/** The metrics run when none are named: disentanglement_lib's three image-sampling scores' set (BetaVAE, FactorVAE, MIG). */
export const DEFAULT_METRICS: readonly string[] = METRICS.filter((m) => m.byDefault).map((m) => m.name);
/** The metrics that need only (code, factor) pairs: what `bvae eval --codes` can compute. */
export const CODE_FACTOR_METRICS: readonly string[] = METRICS.filter((m) => m.needs === "codes").map((m) => m.name);

/** The metric called `name`; a RangeError naming the known ones otherwise. */
export function metricKind(name: string): MetricKind {
  const kind = METRICS.find((m) => m.name === name);
  if (!kind) throw new RangeError(`unknown metric '${name}' (known: ${METRIC_NAMES.join(", ")})`);
  return kind;
}

/** A code-factor metric by name; a RangeError for one that samples images itself. */
export function codeFactorKindOf(name: string): CodeFactorMetricKind {
  const kind = metricKind(name);
  if (kind.needs !== "codes") throw new RangeError(`${name} draws its own images from a dataset: it cannot score codes alone (code-factor metrics: ${CODE_FACTOR_METRICS.join(", ")})`);
  return kind;
}

/** Every report column, in table order: each metric's name, then `<name>_<column>` for its extra fields. */
export const METRIC_COLUMNS: readonly string[] = METRICS.flatMap((m) => [m.name, ...Object.keys(m.columns).map((c) => `${m.name}_${c}`)]);

/** A result's report columns: its score under the metric's name, and its extra fields. */
export function metricColumns(result: Pick<MetricResult, "metric" | "score">): Record<string, number> {
  const kind = METRICS.find((m) => m.name === result.metric);
  const fields = result as unknown as Record<string, unknown>;
  return Object.fromEntries([
    [result.metric, result.score],
    ...Object.entries(kind?.columns ?? {}).filter(([, field]) => typeof fields[field] === "number").map(([c, field]) => [`${result.metric}_${c}`, fields[field] as number]),
  ]);
}

/** Sample counts of every metric, by name (betavaeTrain, migSamples, dciTest, …). */
export type SampleCounts = Record<string, number>;

/** disentanglement_lib's sample counts of every metric. */
export const DEFAULT_SAMPLES: Readonly<SampleCounts> = Object.assign({}, ...METRICS.map((m) => m.samples));

/** Every count scaled from one number n, in the defaults' proportions: n training points, votes, variance and MIG samples; n/2 evaluation points. */
export function samplesFrom(n: number): SampleCounts {
  return Object.assign({}, ...METRICS.map((m) => m.scaled(n)));
}
