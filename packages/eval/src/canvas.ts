// Drawing on RGB rasters for the plots: rectangles, thick lines, tick placement, colours.
import type { RasterImage } from "@betavae/datasets";

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const GRAY: Rgb = [160, 160, 160];

/** Matplotlib's "tab10": ten colours told apart easily, one per latent. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

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

/** A line `thickness` pixels wide (a square brush stepped along it). */
export function drawLine(img: RasterImage, x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  const half = (thickness - 1) / 2;
  for (let i = 0; i <= steps; i++) {
    const x = x0 + ((x1 - x0) * i) / steps, y = y0 + ((y1 - y0) * i) / steps;
    fillRect(img, x - half, y - half, thickness, thickness, color);
  }
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10ⁿ). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  // integer multiples of the step, rounded to 12 digits so 3 × 0.1 reads 0.3
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A tick label: thousands as "k", no trailing zeros. */
export function formatTick(v: number): string {
  if (Math.abs(v) >= 1000 && v % 1000 === 0) return `${v / 1000}k`;
  return String(Number(v.toPrecision(4)));
}

/** A diverging colour map (blue → white → red, as matplotlib's "coolwarm" ends) for t in [−1, 1]. */
export function diverging(t: number): Rgb {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end: Rgb = u < 0 ? [59, 76, 192] : [180, 4, 38];
  const mid: Rgb = [242, 242, 242];
  const a = Math.abs(u);
  return [0, 1, 2].map((c) => Math.round(mid[c] + (end[c] - mid[c]) * a)) as unknown as Rgb;
}
