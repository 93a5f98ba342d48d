// bvae report on a study directory made by real runs: 2 settings (β 1 and 4) × 2 seeds of
// tiny `bvae train` + `bvae eval` on blobs, each with study-run.json and result.json as a
// study writes them, beside a failed run and an unfinished one. results.csv must hold exactly
// the finished runs' files' values; the Markdown and HTML must show plots that exist and decode.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACTIVE_KL } from "@betavae/core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { main } from "../bvae";
import { readMetrics } from "../metrics-log";
import { captureConsole, captured, expectError } from "../test-console";
import { csvField, toCsv } from "./report";

captureConsole();

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const write = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2) + "\n");

/** RFC 4180 CSV, read independently of the writer: fields, quoted fields with doubled quotes, line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else field += c;
  }
  expect(field).toBe(""); // the file ends with a line break
  return rows;
}

const GRID = [1, 4], SEEDS = [1, 2];
let study: string;
const ids: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  study = mkdtempSync(join(tmpdir(), "bvae-report-"));
  for (const beta of GRID) for (const seed of SEEDS) {
    const id = `beta-${beta}-seed-${seed}-${"0123456789ab".slice(beta + seed)}`;
    ids.push(id);
    const dir = join(study, "runs", id);
    mkdirSync(dir, { recursive: true });
    const settings = { dataset: "blobs", batch: 8, latents: 2, steps: 4, "log-every": 2, beta, seed };
    write(join(dir, "study-run.json"), { id, study: "blobs-beta", settings, grid: { beta }, seed, eval: { metrics: "mig", samples: 40 } });
    const argv = Object.entries(settings).flatMap(([k, v]) => [`--${k}`, String(v)]);
    expect(await main(["train", ...argv, "--threads", "1", "--out", dir])).toBe(0);
    expect(await main(["eval", "--checkpoint", join(dir, "checkpoint.safetensors"), "--metrics", "mig", "--samples", "40", "--threads", "1", "--out", dir])).toBe(0);
    if (beta === 4) expect(await main(["figures", "--run", dir, "--threads", "1"])).toBe(0); // heatmaps.png for β 4 only
    // result.json as a study writes it: the last logged step, and eval.json's scores
    const last = readMetrics(join(dir, "metrics.jsonl")).at(-1)!;
    const scores = json(join(dir, "eval.json")).results.map((r: { metric: string; score: number }) => [r.metric, r.score]);
    write(join(dir, "result.json"), {
      id, steps: last.step, recon: last.recon, kl: last.kl, klPerLatent: last.klPerLatent,
      activeLatents: last.klPerLatent.filter((kl) => kl > ACTIVE_KL).length, metrics: Object.fromEntries(scores), seconds: 1,
    });
  }
  // a run that failed, and one stopped at step 2 of 4 (a copy of a finished run without its result)
  const failed = join(study, "runs", "beta-16-seed-1-failed");
  mkdirSync(failed);
  write(join(failed, "study-run.json"), { id: "beta-16-seed-1-failed", study: "blobs-beta", settings: { steps: 4 }, grid: { beta: 16 }, seed: 1, eval: {} });
  write(join(failed, "failed.json"), { id: "beta-16-seed-1-failed", error: "train: the loss is not finite at step 3" });
  const unfinished = join(study, "runs", "beta-4-seed-3-unfinished");
  cpSync(join(study, "runs", ids[2]), unfinished, { recursive: true });
  rmSync(join(unfinished, "result.json"));
  write(join(unfinished, "study-run.json"), { ...json(join(unfinished, "study-run.json")), id: "beta-4-seed-3-unfinished", seed: 3 });
  // its log: step 2, then a line half written
  writeFileSync(join(unfinished, "metrics.jsonl"), readFileSync(join(unfinished, "metrics.jsonl"), "utf8").split("\n")[0] + '\n{"step":4,"rec');
  vi.restoreAllMocks();
}, 240_000);
afterAll(() => rmSync(study, { recursive: true, force: true }));

describe("bvae report", () => {
  it("writes results.csv with one row per finished run, holding exactly the run files' values", async () => {
    expect(await main(["report", study])).toBe(0);
    expect(captured.out[0]).toBe("report: 4 finished runs, 1 failed, 1 unfinished");
    const [head, ...rows] = parseCsv(readFileSync(join(study, "results.csv"), "utf8"));
    expect(head).toEqual(["id", "beta", "seed", "steps", "recon", "kl", "active_latents", "kl_z0", "kl_z1", "mig"]);
    // grid order (β ascending), then seed
    expect(rows.map((r) => r[0])).toEqual(ids);
    for (const row of rows) {
      const dir = join(study, "runs", row[0]);
      const run = json(join(dir, "study-run.json")), result = json(join(dir, "result.json"));
      const log = readMetrics(join(dir, "metrics.jsonl")).at(-1)!;
      const values = Object.fromEntries(head.map((c, i) => [c, row[i]]));
      expect(Number(values.beta)).toBe(run.grid.beta);
      expect(Number(values.seed)).toBe(run.seed);
      expect(Number(values.steps)).toBe(4);
      // numbers read back to the very doubles of the files
      expect([Number(values.recon), Number(values.kl)]).toEqual([log.recon, log.kl]);
      expect([Number(values.kl_z0), Number(values.kl_z1)]).toEqual(log.klPerLatent);
      expect(Number(values.active_latents)).toBe(log.klPerLatent.filter((kl) => kl > 0.1).length);
      expect(Number(values.mig)).toBe(json(join(dir, "eval.json")).results[0].score);
      expect(Number(values.mig)).toBe(result.metrics.mig);
    }
  });

  it("writes report.md and a self-contained report.html whose plots exist and decode", () => {
    const md = readFileSync(join(study, "report.md"), "utf8");
    expect(md).toMatch(/^# Study report: blobs-beta$/m);
    expect(md).toMatch(/^4 finished runs over 2 settings, 1 failed, 1 unfinished\./m);
    expect(md).toMatch(/^\| beta=1 \| 2 \| /m);
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(images.filter((p) => p.startsWith("report/"))).toEqual(["report/metric-mig.png", "report/recon-kl.png", "report/kl-per-latent.png"]);
    for (const path of images) {
      const png = PNG.sync.read(readFileSync(join(study, path)));
      expect(png.width).toBeGreaterThan(100);
      expect(png.height).toBeGreaterThan(100);
    }
    // the best run's traversal for each setting, and the heatmaps where the run drew them
    const traversals = images.filter((p) => p.endsWith("traversal.png"));
    expect(traversals).toHaveLength(2);
    expect(traversals.map((p) => p.split("/")[1]).map((id) => id.slice(0, 6))).toEqual(["beta-1", "beta-4"]);
    expect(images.filter((p) => p.endsWith("heatmaps.png"))).toEqual([traversals[1].replace("traversal", "heatmaps")]);
    // every run's state: the failed one with its error, the unfinished one with its step
    expect(md).toContain("| beta-16-seed-1-failed | beta=16 | 1 | failed: train: the loss is not finite at step 3 |");
    expect(md).toContain("| beta-4-seed-3-unfinished | beta=4 | 3 | unfinished: step 2 of 4 |");

    const html = readFileSync(join(study, "report.html"), "utf8");
    expect(html).not.toMatch(/src="(?!data:)/);
    const svgs = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"));
    expect(svgs).toHaveLength(3);
    expect(svgs[0]).toContain(">mig per setting</text>");
    expect(svgs[0]).toContain(">beta=1</text>");
    expect(svgs[2]).toContain(`>active above ${ACTIVE_KL} nats</text>`);
    const pngs = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], "base64")));
    expect(pngs).toHaveLength(3); // two traversals and one set of heatmaps
    // the same plot as SVG beside its PNG
    expect(readFileSync(join(study, "report", "metric-mig.svg"), "utf8")).toBe(svgs[0]);
  });

  it("refuses a directory without runs, or without finished runs, in one line", async () => {
    const empty = mkdtempSync(join(tmpdir(), "bvae-report-empty-"));
    onTestFinished(() => rmSync(empty, { recursive: true, force: true }));
    await expectError(["report", empty], /runs holds no runs: nothing to report \(bvae sweep STUDY --out .* writes them\)/);
    await expectError(["report", join(empty, "missing")], /study directory .*missing does not exist/);
    mkdirSync(join(empty, "runs", "a"), { recursive: true });
    write(join(empty, "runs", "a", "study-run.json"), { id: "a", study: "s", settings: {}, grid: { beta: 1 }, seed: 1, eval: {} });
    await expectError(["report", empty], /no run in .*runs has finished \(1 unfinished, 0 failed\): nothing to report yet/);
    write(join(empty, "runs", "a", "result.json"), { id: "a", steps: 4, recon: 1, kl: "x", klPerLatent: [1], metrics: {} });
    await expectError(["report", empty], /result\.json lacks kl \(a number\)/);
    await expectError(["report"], /the study directory DIR is required/, 2);
    await expectError(["report", "a", "b"], /give one study directory, not 2/, 2);
    expect(existsSync(join(empty, "results.csv"))).toBe(false);
  });
});

describe("results.csv", () => {
  it("quotes fields with commas, quotes, line breaks or edge spaces, and nothing else", () => {
    expect(["plain", "1.5e-7", "a,b", 'say "hi"', "two\nlines", " edge"].map(csvField)).toEqual(["plain", "1.5e-7", '"a,b"', '"say ""hi"""', '"two\nlines"', '" edge"']);
    const table = { columns: ["id", "note"], rows: [["r1", 'x, "y"'], ["r2", "a\nb"]] };
    expect(parseCsv(toCsv(table))).toEqual([table.columns, ...table.rows]);
  });
});
