// The study report's plots as Vega-Lite specs: each metric's spread over seeds per setting
// (boxes with every run's point, as Locatello et al. 2019 draw them), reconstruction against
// KL, and each run's final KL per latent. Settings keep their grid order on every axis and
// legend, so one setting has one colour throughout.
import { ACTIVE_KL } from "@betavae/core";
import { CHART_CONFIG, type ChartSpec } from "@betavae/eval";
import type { FinishedRun } from "./report-runs";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** No limit on a setting's label (Vega's 0): an objective bundle's ("objective=dipvae-ii lambda-od=10 lambda-d-factor=1") shows whole, where the default cuts it to "objective=dipvae-…". */
const LABEL_LIMIT = 0;

/**
 * One metric's scores per setting: a box over the seeds (min to max) and a point per run.
 * Settings with long labels (objective bundles) lie along the vertical axis, to be read level.
 */
export function metricSpec(metric: string, runs: readonly FinishedRun[], settings: readonly string[]): ChartSpec {
  const values = runs.filter((r) => metric in r.metrics).map((r) => ({ setting: r.setting, seed: String(r.seed), id: r.id, score: r.metrics[metric] }));
  const level = settings.some((s) => s.length > 24);
  const setting = {
    field: "setting", type: "nominal" as const, title: level ? null : "setting", sort: [...settings],
    axis: { labelAngle: !level && settings.length > 4 ? -40 : 0, labelLimit: LABEL_LIMIT },
  };
  const score = { field: "score", type: "quantitative" as const, title: metric, scale: { zero: true } };
  const position = level ? { y: setting, x: score } : { x: setting, y: score };
  const seedOffset = { field: "seed", type: "nominal" as const, scale: { paddingOuter: 1.5 } };
  return {
    $schema: SCHEMA, title: `${metric} per setting`, config: CHART_CONFIG,
    ...(level ? { width: 360, height: Math.max(160, 40 * settings.length) } : { width: Math.max(240, 70 * settings.length), height: 260 }),
    data: { values },
    layer: [
      { mark: { type: "boxplot", extent: "min-max", opacity: 0.35, size: 28 }, encoding: { ...position, color: { field: "setting", type: "nominal", sort: [...settings], legend: null } } },
      {
        mark: { type: "point", filled: true, size: 50, opacity: 0.9 },
        encoding: { ...position, ...(level ? { yOffset: seedOffset } : { xOffset: seedOffset }), color: { value: "black" }, tooltip: [{ field: "id" }, { field: "seed" }, { field: "score" }] },
      },
    ],
  };
}

/** Each run's final reconstruction against its KL, coloured by setting. */
export function reconKlSpec(runs: readonly FinishedRun[], settings: readonly string[]): ChartSpec {
  return {
    $schema: SCHEMA, title: "reconstruction against KL (last logged step)", config: CHART_CONFIG,
    width: 420, height: 300,
    data: { values: runs.map((r) => ({ setting: r.setting, id: r.id, recon: r.recon, kl: r.kl })) },
    mark: { type: "point", filled: true, size: 70 },
    encoding: {
      x: { field: "kl", type: "quantitative", title: "KL (nats per image)", scale: { zero: false } },
      y: { field: "recon", type: "quantitative", title: "reconstruction (nats per image)", scale: { zero: false } },
      color: { field: "setting", type: "nominal", sort: [...settings], scale: { scheme: "tableau10" }, legend: { labelLimit: LABEL_LIMIT } },
      tooltip: [{ field: "id" }, { field: "recon" }, { field: "kl" }],
    },
  };
}

/**
 * Each run's final KL per latent, latents ranked by it (a latent's index means nothing across
 * seeds): one line per run, coloured by setting, over a dashed rule at the active threshold.
 */
export function klPerLatentSpec(runs: readonly FinishedRun[], settings: readonly string[]): ChartSpec {
  const values = runs.flatMap((r) => [...r.klPerLatent].sort((a, b) => b - a).map((kl, rank) => ({ setting: r.setting, id: r.id, rank: rank + 1, kl })));
  return {
    $schema: SCHEMA, title: "KL per latent at the end, latents ranked by KL", config: CHART_CONFIG,
    width: 420, height: 280,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true, strokeWidth: 1.5 },
        encoding: {
          x: { field: "rank", type: "ordinal", title: "latent rank (1: highest KL)", axis: { labelAngle: 0 } },
          y: { field: "kl", type: "quantitative", title: "KL (nats)" },
          color: { field: "setting", type: "nominal", sort: [...settings], scale: { scheme: "tableau10" }, legend: { labelLimit: LABEL_LIMIT } },
          detail: { field: "id" },
        },
      },
      {
        data: { values: [{ kl: ACTIVE_KL, label: `active above ${ACTIVE_KL} nats` }] },
        layer: [
          { mark: { type: "rule", strokeDash: [4, 4], color: "gray" }, encoding: { y: { field: "kl", type: "quantitative" } } },
          { mark: { type: "text", align: "right", dy: -6, color: "gray", x: "width" }, encoding: { y: { field: "kl", type: "quantitative" }, text: { field: "label" } } },
        ],
      },
    ],
  };
}
