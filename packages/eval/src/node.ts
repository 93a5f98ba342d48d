// @betavae/eval/node: what needs Node — charts rendered headless. Vega lays a Vega-Lite spec out
// as SVG; resvg rasterises it to PNG with the font shipped beside it (DejaVu Sans, from the
// `dejavu-fonts-ttf` package), never the machine's fonts, so a chart's pixels do not depend on
// what is installed.
import { createRequire } from "node:module";
import { Resvg } from "@resvg/resvg-js";
import { View, parse } from "vega";
import { compile } from "vega-lite";
import { CHART_FONT, type ChartSpec } from "./chart";

export interface RenderedChart {
  svg: string;
  png: Uint8Array;
  /** The PNG's size in pixels: the SVG's times `scale`. */
  width: number;
  height: number;
}

let fontFile: string | undefined;

/** The shipped font's path (resolved once). */
export function chartFontFile(): string {
  return (fontFile ??= createRequire(import.meta.url).resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
}

/** A Vega-Lite spec as SVG text. */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG text as PNG bytes, `scale` pixels per SVG unit. */
export function svgToPng(svg: string, scale = 2): { png: Uint8Array; width: number; height: number } {
  const rendered = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  }).render();
  return { png: new Uint8Array(rendered.asPng()), width: rendered.width, height: rendered.height };
}

/** A Vega-Lite spec as SVG and PNG. */
export async function renderChart(spec: ChartSpec, scale = 2): Promise<RenderedChart> {
  const svg = await chartSvg(spec);
  return { svg, ...svgToPng(svg, scale) };
}
