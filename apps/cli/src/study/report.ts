// A study's report, from its run directories alone: results.csv (one row per finished run),
// and report.md and report.html with the plots (report/*.svg and *.png beside them; the HTML
// carries its plots and pictures inside as data URIs, so it travels as one file).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ACTIVE_KL } from "@betavae/core";
import { type RenderedChart, renderChart } from "@betavae/eval/node";
import { FileError, writeFileAtomic } from "../files";
import { klPerLatentSpec, metricSpec, reconKlSpec } from "./report-charts";
import { type FinishedRun, type StudyRuns, readStudyRuns } from "./report-runs";
import { formatGridValue } from "./study-file";
import { RUNS_DIR } from "./status";

export const RESULTS_CSV = "results.csv";
export const REPORT_MD = "report.md";
export const REPORT_HTML = "report.html";
/** The plots' folder, beside report.md. */
export const PLOTS_DIR = "report";

export interface ResultsTable {
  columns: string[];
  rows: string[][];
}

/**
 * results.csv's table: `id`, every grid key, `seed`, `steps`, `recon`, `kl`, `active_latents`,
 * `kl_z0`… (up to the most latents of any run), then one column per metric. Numbers are
 * written as JavaScript prints them (the shortest text that reads back to the same double);
 * a value a run does not have is empty.
 */
export function resultsTable(runs: StudyRuns): ResultsTable {
  const latents = Math.max(0, ...runs.finished.map((r) => r.klPerLatent.length));
  const columns = ["id", ...runs.gridKeys, "seed", "steps", "recon", "kl", "active_latents",
    ...Array.from({ length: latents }, (_, j) => `kl_z${j}`), ...runs.metrics];
  const rows = runs.finished.map((r) => [
    r.id, ...runs.gridKeys.map((k) => (k in r.grid ? formatGridValue(r.grid[k]) : "")),
    String(r.seed), String(r.steps), String(r.recon), String(r.kl), String(r.activeLatents),
    ...Array.from({ length: latents }, (_, j) => (j < r.klPerLatent.length ? String(r.klPerLatent[j]) : "")),
    ...runs.metrics.map((m) => (m in r.metrics ? String(r.metrics[m]) : "")),
  ]);
  return { columns, rows };
}

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function toCsv(table: ResultsTable): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/** The report as blocks, written out both as Markdown and as HTML. */
type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "text"; text: string }
  | { kind: "table"; columns: string[]; rows: string[][] }
  | { kind: "chart"; name: string; alt: string; chart: RenderedChart }
  /** a picture a run drew, by its path relative to the study directory */
  | { kind: "picture"; path: string; alt: string };

export interface ReportFiles {
  csv: string;
  markdown: string;
  html: string;
  plots: string[];
  runs: StudyRuns;
}

/** Reads `dir`/runs and writes results.csv, report.md, report.html and the plots. */
export async function writeReport(dir: string): Promise<ReportFiles> {
  const runs = readStudyRuns(dir);
  if (runs.finished.length === 0) {
    throw new FileError(`no run in ${join(dir, RUNS_DIR)} has finished (${runs.unfinished.length} unfinished, ${runs.failed.length} failed): nothing to report yet`);
  }
  const blocks = await reportBlocks(runs);
  mkdirSync(join(dir, PLOTS_DIR), { recursive: true });
  const plots: string[] = [];
  for (const b of blocks) {
    if (b.kind !== "chart") continue;
    for (const [ext, data] of [["svg", b.chart.svg], ["png", b.chart.png]] as const) {
      const path = join(dir, PLOTS_DIR, `${b.name}.${ext}`);
      writeFileAtomic(path, data);
      plots.push(path);
    }
  }
  const files = { csv: join(dir, RESULTS_CSV), markdown: join(dir, REPORT_MD), html: join(dir, REPORT_HTML), plots, runs };
  writeFileAtomic(files.csv, toCsv(resultsTable(runs)));
  writeFileAtomic(files.markdown, toMarkdown(blocks));
  writeFileAtomic(files.html, toHtml(blocks, dir, runs.name));
  return files;
}

async function reportBlocks(runs: StudyRuns): Promise<Block[]> {
  const { finished, metrics } = runs;
  const settings = runs.settings.filter((s) => finished.some((r) => r.setting === s));
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: `Study report${runs.name ? `: ${runs.name}` : ""}` },
    { kind: "text", text: `${finished.length} finished runs over ${settings.length} settings` +
      `${runs.failed.length ? `, ${runs.failed.length} failed` : ""}${runs.unfinished.length ? `, ${runs.unfinished.length} unfinished` : ""}. ` +
      `Every finished run is a row of ${RESULTS_CSV}. A latent is active when its final KL exceeds ${ACTIVE_KL} nats.` },
    { kind: "heading", level: 2, text: "Per setting" },
    { kind: "text", text: "Means over the finished runs of each setting, ± the standard deviation over seeds." },
    summaryTable(runs),
  ];
  for (const metric of metrics) {
    blocks.push({ kind: "heading", level: 2, text: `${metric} per setting` },
      { kind: "chart", name: `metric-${metric}`, alt: `${metric} per setting`, chart: await renderChart(metricSpec(metric, finished, settings)) });
  }
  blocks.push(
    { kind: "heading", level: 2, text: "Reconstruction against KL" },
    { kind: "chart", name: "recon-kl", alt: "reconstruction against KL", chart: await renderChart(reconKlSpec(finished, settings)) },
    { kind: "heading", level: 2, text: "KL per latent at the end" },
    { kind: "chart", name: "kl-per-latent", alt: "KL per latent at the end", chart: await renderChart(klPerLatentSpec(finished, settings)) },
    ...bestRuns(runs),
  );
  if (runs.failed.length + runs.unfinished.length > 0) {
    blocks.push({ kind: "heading", level: 2, text: "Runs not in the table" }, {
      kind: "table", columns: ["run", "setting", "seed", "state"],
      rows: [
        ...runs.failed.map((r) => [r.id, r.setting, String(r.seed), `failed: ${r.error}`]),
        ...runs.unfinished.map((r) => [r.id, r.setting, String(r.seed),
          r.step === null ? "not started" : `unfinished: step ${r.step}${r.steps === null ? "" : ` of ${r.steps}`}`]),
      ],
    });
  }
  return blocks;
}

function summaryTable(runs: StudyRuns): Block {
  const stat = (values: number[], digits: number) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    return values.length > 1 ? `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}` : mean.toFixed(digits);
  };
  const rows = runs.settings.flatMap((setting) => {
    const of = runs.finished.filter((r) => r.setting === setting);
    if (of.length === 0) return [];
    const scored = (m: string) => of.filter((r) => m in r.metrics).map((r) => r.metrics[m]);
    return [[setting, String(of.length), stat(of.map((r) => r.activeLatents), 1),
      ...runs.metrics.map((m) => (scored(m).length ? stat(scored(m), 3) : "—")), stat(of.map((r) => r.recon), 1), stat(of.map((r) => r.kl), 2)]];
  });
  return { kind: "table", columns: ["setting", "runs", "active latents", ...runs.metrics, "recon", "KL"], rows };
}

/** Per setting, the run that scores best on the first metric (lowest recon + KL without metrics): its traversal and heatmaps. */
function bestRuns(runs: StudyRuns): Block[] {
  const metric = runs.metrics[0];
  const score = (r: FinishedRun) => (metric === undefined ? -(r.recon + r.kl) : r.metrics[metric] ?? -Infinity);
  const blocks: Block[] = [
    { kind: "heading", level: 2, text: "Best run per setting" },
    { kind: "text", text: metric === undefined ? "The run with the lowest reconstruction + KL of each setting." : `The run with the highest ${metric} of each setting.` },
  ];
  for (const setting of runs.settings) {
    const of = runs.finished.filter((r) => r.setting === setting);
    if (of.length === 0) continue; // only failed or unfinished runs
    const best = of.reduce((a, b) => (score(b) > score(a) ? b : a));
    const what = metric === undefined ? `recon ${best.recon.toFixed(1)}, KL ${best.kl.toFixed(2)}` : `${metric} ${best.metrics[metric]?.toFixed(3) ?? "—"}`;
    blocks.push({ kind: "heading", level: 3, text: `${setting}: run ${best.id}, seed ${best.seed} (${what}, ${best.activeLatents} active latents)` });
    for (const [file, alt] of [["traversal.png", "latent traversal"], ["heatmaps.png", "latent heatmaps"]]) {
      if (existsSync(join(best.dir, file))) blocks.push({ kind: "picture", path: `${RUNS_DIR}/${best.id}/${file}`, alt: `${alt} of run ${best.id}` });
    }
  }
  return blocks;
}

function toMarkdown(blocks: readonly Block[]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  return blocks.map((b) => {
    switch (b.kind) {
      case "heading": return `${"#".repeat(b.level)} ${b.text}`;
      case "text": return b.text;
      case "table": return [b.columns, b.columns.map(() => "---"), ...b.rows].map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n");
      case "chart": return `![${b.alt}](${PLOTS_DIR}/${b.name}.png)`;
      case "picture": return `![${b.alt}](${b.path})`;
    }
  }).join("\n\n") + "\n";
}

function toHtml(blocks: readonly Block[], dir: string, name: string): string {
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
  const dataUri = (type: string, data: Uint8Array | string) => `data:${type};base64,${Buffer.from(data).toString("base64")}`;
  const body = blocks.map((b) => {
    switch (b.kind) {
      case "heading": return `<h${b.level}>${esc(b.text)}</h${b.level}>`;
      case "text": return `<p>${esc(b.text)}</p>`;
      case "table": return `<table><thead><tr>${b.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>\n${
        b.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("\n")}\n</tbody></table>`;
      case "chart": return `<figure><img alt="${esc(b.alt)}" src="${dataUri("image/svg+xml", b.chart.svg)}"></figure>`;
      case "picture": return `<figure><img class="picture" alt="${esc(b.alt)}" src="${dataUri("image/png", readFileSync(join(dir, b.path)))}"></figure>`;
    }
  }).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`Study report${name ? `: ${name}` : ""}`)}</title>
<style>
body { font-family: "DejaVu Sans", sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; } th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
figure { margin: 1rem 0; } img { max-width: 100%; } img.picture { image-rendering: pixelated; }
</style></head><body>
${body}
</body></html>
`;
}
