// The report's metric columns come from the runs' result.json, in the registry's order: a
// metric with several values (DCI) brings its extra columns after its score.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStudyRuns } from "./report-runs";

const write = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));

describe("readStudyRuns", () => {
  it("orders metric columns as the registry lists them, extra columns after their metric, unknown ones last", () => {
    const study = mkdtempSync(join(tmpdir(), "bvae-report-runs-"));
    const metrics = [
      { zeta: 1, dci_informativeness: 0.9, mig: 0.3, dci: 0.7 },
      { dci_completeness: 0.6, betavae: 0.8, dci: 0.5 },
    ];
    metrics.forEach((m, i) => {
      const dir = join(study, "runs", `run-${i}`);
      mkdirSync(dir, { recursive: true });
      write(join(dir, "study-run.json"), { id: `run-${i}`, study: "s", grid: { beta: i }, seed: 1, settings: {} });
      write(join(dir, "result.json"), { id: `run-${i}`, steps: 4, recon: 1, kl: 2, klPerLatent: [1, 1], metrics: m });
    });
    const runs = readStudyRuns(study);
    expect(runs.metrics).toEqual(["betavae", "mig", "dci", "dci_completeness", "dci_informativeness", "zeta"]);
    expect(runs.finished.map((r) => r.metrics.dci)).toEqual([0.7, 0.5]);
  });
});
