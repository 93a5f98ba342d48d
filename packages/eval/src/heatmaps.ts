// Burgess et al.'s Fig. 2 (right): for a dataset of two factors (Gaussian blobs: x, y), one
// heatmap per latent of its inferred mean at every (x, y) position. A disentangled latent is
// a smooth ramp along one axis; an entangled one mixes both, often with discontinuities; an
// unused one stays white. One colour scale for all latents (±the largest |mean|), so an unused
// latent cannot look busy.
import { type ImageSource, type RasterImage, requireFactors } from "@betavae/datasets";
import { CodeCache } from "./cache";
import { BLACK, GRAY, canvas, diverging, fillRect } from "./canvas";
import type { Encoder } from "./encoder";
import { variedFactors } from "./factors";
import { drawText, textWidth } from "./font";
import { klOrder } from "./kl-curves";

const TILE = 96, GAP = 10, LABEL = 16, COLUMNS = 5, SCALE = 2;

/**
 * Heatmaps of every latent's mean over the grid of the dataset's two varying factors (the
 * first along columns, the second down rows; any constant factor at its one value), ordered
 * by `kl` (high to low) when given, which is also written under each name.
 */
export async function latentHeatmapFigure(source: ImageSource, encoder: Encoder, kl?: readonly number[]): Promise<RasterImage> {
  const dataset = requireFactors(source, "draw latent heatmaps");
  const varied = variedFactors(dataset);
  if (varied.length !== 2) throw new RangeError(`latent heatmaps need a dataset with exactly 2 varying factors; ${dataset.name} has ${varied.length}`);
  const [fa, fb] = varied;
  const sa = dataset.factors[fa].size, sb = dataset.factors[fb].size;
  const K = dataset.factors.length, L = encoder.latents;
  const factors = new Int32Array(sa * sb * K);
  for (let r = 0; r < sb; r++) {
    for (let c = 0; c < sa; c++) {
      factors[(r * sa + c) * K + fa] = c;
      factors[(r * sa + c) * K + fb] = r;
    }
  }
  const codes = await new CodeCache(dataset, encoder).codes(factors, sa * sb);
  const range = Math.max(1e-6, codes.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  const order = kl ? klOrder(kl) : Array.from({ length: L }, (_, j) => j);

  const cell = Math.max(1, Math.floor(TILE / Math.max(sa, sb)));
  const tw = cell * sa, th = cell * sb;
  const columns = Math.min(COLUMNS, L), rows = Math.ceil(L / columns);
  const width = GAP + columns * (tw + GAP);
  const barTop = GAP + rows * (LABEL + th + GAP) + 4;
  const img = canvas(Math.max(width, 300), barTop + 60);
  order.forEach((j, n) => {
    const x0 = GAP + (n % columns) * (tw + GAP), y0 = GAP + Math.floor(n / columns) * (LABEL + th + GAP);
    drawText(img, `z${j}`, x0, y0, SCALE, BLACK);
    if (kl) drawText(img, kl[j].toFixed(2), x0 + textWidth(`z${j}`, SCALE) + 8, y0, SCALE, GRAY);
    for (let r = 0; r < sb; r++) {
      for (let c = 0; c < sa; c++) fillRect(img, x0 + c * cell, y0 + LABEL + r * cell, cell, cell, diverging(codes[(r * sa + c) * L + j] / range));
    }
  });
  // the colour scale, and which factor runs along which axis
  const barWidth = Math.min(240, img.width - 2 * GAP);
  for (let x = 0; x < barWidth; x++) fillRect(img, GAP + x, barTop, 1, 10, diverging((2 * x) / (barWidth - 1) - 1));
  const lo = `-${range.toFixed(2)}`, hi = `+${range.toFixed(2)}`;
  drawText(img, lo, GAP, barTop + 14, SCALE, BLACK);
  drawText(img, hi, GAP + barWidth - textWidth(hi, SCALE), barTop + 14, SCALE, BLACK);
  drawText(img, `columns: ${dataset.factors[fa].name}, rows: ${dataset.factors[fb].name}`, GAP, barTop + 34, SCALE, BLACK);
  return img;
}
