// Live training curves (uPlot): reconstruction loss; KL beside the capacity target C; KL per
// latent. Points arrive in batches from the worker and are drawn at most once per frame.
// Long runs keep every other point once a series passes MAX_POINTS, so memory stays flat.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type StepMetrics, halveKeepingLast } from "@betavae/core";

/** What the charts draw of a logged step: a live one, or one from a loaded model's history. */
export type ChartPoint = Pick<StepMetrics, "step" | "recon" | "kl" | "capacity" | "klPerLatent">;

const MAX_POINTS = 4000;
export const LATENT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

interface Chart {
  plot: uPlot;
  columns: (number | null)[][];
  element: HTMLElement;
}

export class TrainingCharts {
  private charts: Chart[] = [];
  private latents = 0;
  private drawQueued = false;

  constructor(private readonly recon: HTMLElement, private readonly kl: HTMLElement, private readonly perLatent: HTMLElement) {}

  /** Empties every chart and sizes the per-latent one for `latents` series. */
  reset(latents: number): void {
    for (const c of this.charts) c.plot.destroy();
    this.latents = latents;
    const width = Math.max(280, this.recon.clientWidth || 360);
    const axes = (label: string): uPlot.Axis[] => [{ label: "step" }, { label, size: 56 }];
    const make = (element: HTMLElement, title: string, label: string, series: uPlot.Series[]): Chart => {
      const columns: (number | null)[][] = [[], ...series.map(() => [])];
      const plot = new uPlot({ title, width, height: 200, scales: { x: { time: false } }, axes: axes(label), series: [{ label: "step" }, ...series] }, columns as uPlot.AlignedData, element);
      element.dataset.points = "0";
      return { plot, columns, element };
    };
    this.charts = [
      make(this.recon, "Reconstruction", "nats / image", [{ label: "recon", stroke: "#1f77b4", width: 1.5 }]),
      make(this.kl, "KL and capacity C", "nats", [{ label: "KL", stroke: "#d62728", width: 1.5 }, { label: "C", stroke: "#7f7f7f", dash: [6, 4], width: 1.5 }]),
      make(this.perLatent, "KL per latent", "nats",
        Array.from({ length: latents }, (_, j) => ({ label: `z${j}`, stroke: LATENT_COLOURS[j % LATENT_COLOURS.length], width: 1.2 }))),
    ];
  }

  add(points: readonly ChartPoint[]): void {
    if (!this.charts.length) return;
    const [recon, kl, perLatent] = this.charts;
    for (const m of points) {
      push(recon, [m.step, m.recon]);
      push(kl, [m.step, m.kl, m.capacity]); // null draws no C line for the β objective
      push(perLatent, [m.step, ...m.klPerLatent.slice(0, this.latents)]);
    }
    if (!this.drawQueued) {
      this.drawQueued = true;
      requestAnimationFrame(() => {
        this.drawQueued = false;
        for (const c of this.charts) {
          c.plot.setData(c.columns as uPlot.AlignedData);
          c.element.dataset.points = String(c.columns[0].length);
        }
        // the first and latest reconstruction losses, for a glance (and for tests)
        const r = recon.columns[1];
        recon.element.dataset.first = String(r[0]);
        recon.element.dataset.last = String(r[r.length - 1]);
      });
    }
  }

  resize(): void {
    const width = Math.max(280, this.recon.clientWidth || 360);
    for (const c of this.charts) c.plot.setSize({ width, height: 200 });
  }
}

function push(chart: Chart, row: (number | null)[]): void {
  row.forEach((v, i) => chart.columns[i].push(v));
  if (chart.columns[0].length > MAX_POINTS) {
    chart.columns = chart.columns.map(halveKeepingLast);
  }
}
