// Burgess et al.'s Fig. 3: KL per latent as training goes on — against the step, and, for the
// capacity objective, against the target capacity C — one coloured line per latent. With C
// rising, latents switch on one factor at a time. A Vega-Lite spec (see chart.ts).
import { type MetricsRecord, SWITCHED_ON_KL } from "@betavae/core";
import { CHART_CONFIG, type ChartSpec } from "./chart";

/** What the curves read of a logged step (a line of metrics.jsonl). */
export type KlRecord = Pick<MetricsRecord, "step" | "C" | "klPerLatent">;

/**
 * The figure against `x`: "step", or "capacity" (C; throws a RangeError for a run without one).
 * One line per latent; the legend names each latent with its last KL, highest first.
 */
export function klCurveSpec(records: readonly KlRecord[], x: "step" | "capacity"): ChartSpec {
  if (records.length === 0) throw new RangeError("no logged steps to plot");
  const latents = records[0].klPerLatent.length;
  if (records.some((r) => r.klPerLatent.length !== latents)) throw new RangeError("logged steps disagree on the number of latents");
  if (x === "capacity" && records.some((r) => r.C === null)) throw new RangeError("the run has no capacity C (β objective): there is no KL-against-C curve");
  const final = records[records.length - 1].klPerLatent;
  const label = (j: number) => `z${j} ${final[j].toFixed(2)}`;
  const values = records.flatMap((r) => r.klPerLatent.flatMap((kl, j) =>
    Number.isFinite(kl) ? [{ x: x === "step" ? r.step : (r.C as number), latent: label(j), kl }] : []));
  const xTitle = x === "step" ? "step" : "C (nats)";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `KL per latent against ${x === "step" ? "step" : "capacity C"}`,
    width: 560, height: 320, config: CHART_CONFIG,
    data: { values },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: xTitle, scale: { zero: false, nice: true } },
      y: { field: "kl", type: "quantitative", title: "KL (nats)", scale: { zero: true } },
      color: {
        field: "latent", type: "nominal", title: "latent, last KL",
        scale: { domain: klOrder(final).map(label), scheme: "tableau10" },
      },
    },
  };
}

/** Latent indices by mean KL, highest first (ties keep index order): how figures order latents. */
export function klOrder(kl: readonly number[]): number[] {
  return kl.map((_, j) => j).sort((a, b) => kl[b] - kl[a]);
}

/** A latent that switched on during a run. */
export interface SwitchOn {
  latent: number;
  /** The first logged step from which its KL stays above the threshold to the end of the log. */
  step: number;
  /** C at that step (null for the β objective). */
  C: number | null;
  /** Its KL at the last logged step. */
  finalKl: number;
}

/**
 * The order in which latents switch on (Burgess et al.'s Fig. 3): latents whose KL ends above
 * `threshold` nats, each with the step after its last logged KL at or below it, earliest first.
 * Counting from the last dip rather than the first crossing ignores the noise of the first
 * steps, when every latent's KL moves before the objective has shaped the code.
 */
export function switchOnOrder(records: readonly KlRecord[], threshold = SWITCHED_ON_KL): SwitchOn[] {
  if (records.length === 0) throw new RangeError("no logged steps");
  const last = records[records.length - 1];
  const order: SwitchOn[] = [];
  last.klPerLatent.forEach((finalKl, latent) => {
    if (!(finalKl > threshold)) return;
    let first = records.length - 1;
    while (first > 0 && records[first - 1].klPerLatent[latent] > threshold) first--;
    order.push({ latent, step: records[first].step, C: records[first].C, finalKl });
  });
  return order.sort((a, b) => a.step - b.step || b.finalKl - a.finalKl);
}
