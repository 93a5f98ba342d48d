// Drawing on RGB rasters for the pixel figures (heatmaps): rectangles and colours.
import type { RasterImage } from "@betavae/datasets";

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const GRAY: Rgb = [160, 160, 160];

export function canvas(width: number, height: number, background: Rgb = WHITE): RasterImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(background, i);
  return { width, height, channels: 3, data };
}

export function fillRect(img: RasterImage, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w)), y1 = Math.min(img.height, Math.round(y + h));
  for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) img.data.set(color, (py * img.width + px) * 3);
}

/** A diverging colour map (blue → white → red, as matplotlib's "coolwarm" ends) for t in [−1, 1]. */
export function diverging(t: number): Rgb {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end: Rgb = u < 0 ? [59, 76, 192] : [180, 4, 38];
  const mid: Rgb = [242, 242, 242];
  const a = Math.abs(u);
  return [0, 1, 2].map((c) => Math.round(mid[c] + (end[c] - mid[c]) * a)) as unknown as Rgb;
}
