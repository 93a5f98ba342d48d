// Plots with axes are Vega-Lite specifications: data and encodings, drawn by Vega (headless in
// Node by `renderChart` of `@betavae/eval/node`, or in a page). This module only builds specs,
// so it runs anywhere.
import type { TopLevelSpec } from "vega-lite";

export type ChartSpec = TopLevelSpec;

/** The font the specs ask for; the Node renderer ships it (DejaVu Sans), so text is the same on every machine. */
export const CHART_FONT = "DejaVu Sans";

/** Settings every chart shares: the font, a white background, no frame around the plot. */
export const CHART_CONFIG = {
  // a viewer of the SVG without DejaVu Sans falls back to its own sans-serif
  font: `${CHART_FONT}, sans-serif`,
  background: "white",
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, fontWeight: "normal" },
} as const;
