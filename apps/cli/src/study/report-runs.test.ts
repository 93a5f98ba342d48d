// A study whose grid varies bundles of settings (the objective with its own settings), as the
// report reads it: the bundle key is one column, each value a short label, one setting per
// bundle; run files written as a study writes them, no training needed.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESULT_FILE, STUDY_RUN_FILE } from "./execute";
import { readStudyRuns } from "./report-runs";
import { resultsTable } from "./report";
import { parseStudy } from "./study-file";

describe("a report of a study varying bundles of settings", () => {
  it("has a column for the bundle key, labelled by each bundle's settings", () => {
    const study = parseStudy(`
name: methods
base: { dataset: blobs, steps: 4 }
grid:
  method:
    - { objective: beta, beta: 4 }
    - { objective: capacity, gamma: 500 }
  latents: [2]
seeds: [1]
`, "study.yaml");
    const dir = mkdtempSync(join(tmpdir(), "bvae-bundles-"));
    study.runs.forEach((run, i) => {
      const runDir = join(dir, "runs", run.id);
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, STUDY_RUN_FILE), JSON.stringify(run));
      writeFileSync(join(runDir, RESULT_FILE), JSON.stringify({ id: run.id, steps: 4, recon: 10 + i, kl: 1, klPerLatent: [0.5, 0.5], activeLatents: 2, metrics: { mig: 0.1 * i }, seconds: 1 }));
    });
    const runs = readStudyRuns(dir);
    expect(runs.gridKeys).toEqual(["method", "latents"]);
    expect(runs.settings).toEqual(["objective=beta beta=4, latents=2", "objective=capacity gamma=500, latents=2"]);
    const table = resultsTable(runs);
    expect(table.columns.slice(0, 4)).toEqual(["id", "method", "latents", "seed"]);
    expect(table.rows.map((r) => r.slice(1, 4))).toEqual([["objective=beta beta=4", "2", "1"], ["objective=capacity gamma=500", "2", "1"]]);
  });
});
