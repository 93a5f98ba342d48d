// How the report reads a study's run files (written as a study writes them, no training
// needed): a grid that varies bundles of settings (the objective with its own settings) is one
// column labelled by each bundle; metric columns come from the runs' result.json in the
// registry's order, a metric with several values (DCI, modularity) bringing its extra columns
// after its score.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESULT_FILE, STUDY_RUN_FILE } from "./execute";
import { metricSpec } from "./report-charts";
import { readStudyRuns } from "./report-runs";
import { resultsTable } from "./report";
import { STUDY_FILE } from "./status";
import { parseStudy } from "./study-file";

const write = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));

/** The study's runs as a sweep leaves them finished (run i: recon 10 + i, MIG 0.1 i), with DIR/study.json if asked. */
function writeFinishedStudy(text: string, withStudyFile = false): string {
  const study = parseStudy(text, "study.yaml");
  const dir = mkdtempSync(join(tmpdir(), "bvae-bundles-"));
  study.runs.forEach((run, i) => {
    const runDir = join(dir, "runs", run.id);
    mkdirSync(runDir, { recursive: true });
    write(join(runDir, STUDY_RUN_FILE), run);
    write(join(runDir, RESULT_FILE), { id: run.id, steps: 4, recon: 10 + i, kl: 1, klPerLatent: [0.5, 0.5], activeLatents: 2, metrics: { mig: 0.1 * i }, seconds: 1 });
  });
  if (withStudyFile) write(join(dir, STUDY_FILE), { name: study.name, source: "study.yaml", runs: study.runs });
  return dir;
}

describe("a report of a study varying bundles of settings", () => {
  it("has a column for the bundle key, labelled by each bundle's settings", () => {
    const runs = readStudyRuns(writeFinishedStudy(`
name: methods
base: { dataset: blobs, steps: 4 }
grid:
  method:
    - { objective: beta, beta: 4 }
    - { objective: capacity, gamma: 500 }
  latents: [2]
seeds: [1]
`));
    expect(runs.gridKeys).toEqual(["method", "latents"]);
    expect(runs.settings).toEqual(["objective=beta beta=4, latents=2", "objective=capacity gamma=500, latents=2"]);
    const table = resultsTable(runs);
    expect(table.columns.slice(0, 4)).toEqual(["id", "method", "latents", "seed"]);
    expect(table.rows.map((r) => r.slice(1, 4))).toEqual([["objective=beta beta=4", "2", "1"], ["objective=capacity gamma=500", "2", "1"]]);
  });
});

describe("the order of a study's bundles", () => {
  const STUDY = `
name: methods
base: { dataset: blobs, steps: 4 }
grid:
  method:
    - { objective: tcvae, beta: 10 }
    - { objective: dipvae-ii, lambda-od: 10 }
    - { objective: beta, beta: 4 }
seeds: [1]
`;
  const inFileOrder = ["objective=tcvae beta=10", "objective=dipvae-ii lambda-od=10", "objective=beta beta=4"];

  it("is the study file's, where the sweep's study.json lists it, and the labels' without one", () => {
    expect(readStudyRuns(writeFinishedStudy(STUDY, true)).settings).toEqual(inFileOrder);
    expect(readStudyRuns(writeFinishedStudy(STUDY)).settings).toEqual([...inFileOrder].sort());
  });

  it("gives long labels a chart whose settings lie along the vertical axis, uncut", () => {
    const runs = readStudyRuns(writeFinishedStudy(STUDY, true));
    const spec = metricSpec("mig", runs.finished, runs.settings) as { layer: { encoding: Record<string, { field?: string; axis?: { labelLimit: number; labelAngle: number } }> }[] };
    const { x, y } = spec.layer[1].encoding;
    expect([y.field, x.field]).toEqual(["setting", "score"]);
    expect(y.axis).toEqual({ labelAngle: 0, labelLimit: 0 });
    const short = metricSpec("mig", runs.finished, ["a", "b", "c"]) as typeof spec;
    expect(short.layer[1].encoding.x.field).toBe("setting");
  });
});

describe("readStudyRuns", () => {
  it("orders metric columns as the registry lists them, extra columns after their metric, unknown ones last", () => {
    const study = mkdtempSync(join(tmpdir(), "bvae-report-runs-"));
    const metrics = [
      { zeta: 1, dci_informativeness: 0.9, mig: 0.3, dci: 0.7, modularity_explicitness: 0.95 },
      { dci_completeness: 0.6, betavae: 0.8, dci: 0.5, modularity: 0.9, sap: 0.2 },
    ];
    metrics.forEach((m, i) => {
      const dir = join(study, "runs", `run-${i}`);
      mkdirSync(dir, { recursive: true });
      write(join(dir, STUDY_RUN_FILE), { id: `run-${i}`, study: "s", grid: { beta: i }, seed: 1, settings: {} });
      write(join(dir, RESULT_FILE), { id: `run-${i}`, steps: 4, recon: 1, kl: 2, klPerLatent: [1, 1], metrics: m });
    });
    const runs = readStudyRuns(study);
    expect(runs.metrics).toEqual(["betavae", "mig", "dci", "dci_completeness", "dci_informativeness", "sap", "modularity", "modularity_explicitness", "zeta"]);
    expect(runs.finished.map((r) => r.metrics.dci)).toEqual([0.7, 0.5]);
  });
});
