// Burgess et al.'s Fig. 3: KL per latent as training goes on — against the step, and, for the
// capacity objective, against the target capacity C — one coloured line per latent. With C
// rising, latents switch on one factor at a time.
import { type MetricsRecord, SWITCHED_ON_KL } from "@betavae/core";
import type { RasterImage } from "@betavae/datasets";
import { BLACK, GRAY, PALETTE, canvas, drawLine, fillRect, formatTick, niceTicks } from "./canvas";
import { drawText, textWidth } from "./font";

/** What the curves read of a logged step (a line of metrics.jsonl). */
export type KlRecord = Pick<MetricsRecord, "step" | "C" | "klPerLatent">;

const W = 760, H = 440;
const LEFT = 70, RIGHT = 120, TOP = 44, BOTTOM = 56;
const SCALE = 2;

/** The figure against `x`: "step", or "capacity" (C; throws a RangeError for a run without one). */
export function klCurveFigure(records: readonly KlRecord[], x: "step" | "capacity"): RasterImage {
  if (records.length === 0) throw new RangeError("no logged steps to plot");
  const latents = records[0].klPerLatent.length;
  if (records.some((r) => r.klPerLatent.length !== latents)) throw new RangeError("logged steps disagree on the number of latents");
  if (x === "capacity" && records.some((r) => r.C === null)) throw new RangeError("the run has no capacity C (β objective): there is no KL-against-C curve");
  const xs = records.map((r) => (x === "step" ? r.step : (r.C as number)));
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const yMax = Math.max(1e-3, ...records.flatMap((r) => r.klPerLatent.filter(Number.isFinite)));
  const xTicks = niceTicks(x0, x1 > x0 ? x1 : x0 + 1), yTicks = niceTicks(0, yMax);
  const xLo = Math.min(x0, xTicks[0]), xHi = Math.max(x1, xTicks[xTicks.length - 1], xLo + 1e-9);
  const yHi = Math.max(yMax, yTicks[yTicks.length - 1]);
  const pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
  const px = (v: number) => LEFT + ((v - xLo) / (xHi - xLo)) * pw;
  const py = (v: number) => TOP + ph - (Math.min(Math.max(v, 0), yHi) / yHi) * ph;

  const img = canvas(W, H);
  const title = `KL per latent against ${x === "step" ? "step" : "capacity C"}`;
  drawText(img, title, (W - textWidth(title, SCALE)) / 2, 10, SCALE, BLACK);
  for (const t of yTicks) {
    drawLine(img, LEFT, py(t), LEFT + pw, py(t), [235, 235, 235]);
    const label = formatTick(t);
    drawText(img, label, LEFT - 8 - textWidth(label, SCALE), py(t) - 5, SCALE, BLACK);
  }
  for (const t of xTicks) {
    drawLine(img, px(t), TOP + ph, px(t), TOP + ph + 5, BLACK);
    const label = formatTick(t);
    drawText(img, label, px(t) - textWidth(label, SCALE) / 2, TOP + ph + 10, SCALE, BLACK);
  }
  drawText(img, "KL (nats)", 8, TOP - 20, SCALE, BLACK);
  const xLabel = x === "step" ? "step" : "C (nats)";
  drawText(img, xLabel, LEFT + (pw - textWidth(xLabel, SCALE)) / 2, H - 20, SCALE, BLACK);

  // lines, the most informative latent drawn last (on top)
  const final = records[records.length - 1].klPerLatent;
  const order = final.map((_, j) => j).sort((a, b) => final[a] - final[b]);
  for (const j of order) {
    const color = PALETTE[j % PALETTE.length];
    for (let i = 1; i < records.length; i++) {
      const a = records[i - 1].klPerLatent[j], b = records[i].klPerLatent[j];
      if (Number.isFinite(a) && Number.isFinite(b)) drawLine(img, px(xs[i - 1]), py(a), px(xs[i]), py(b), color, 2);
    }
  }
  drawLine(img, LEFT, TOP, LEFT, TOP + ph, BLACK);
  drawLine(img, LEFT, TOP + ph, LEFT + pw, TOP + ph, BLACK);

  // legend: latent index and its last KL, highest first
  const lx = LEFT + pw + 14;
  [...order].reverse().forEach((j, row) => {
    const y = TOP + row * 18;
    fillRect(img, lx, y + 2, 14, 6, PALETTE[j % PALETTE.length]);
    drawText(img, `z${j}`, lx + 20, y, SCALE, BLACK);
    drawText(img, final[j].toFixed(2), lx + 50, y, SCALE, GRAY);
  });
  return img;
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
