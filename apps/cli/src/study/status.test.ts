// A run's state read from its directory: a run trained to its end is evaluated, then draws its
// figures, while a sweep holds the study; without one it is stopped, and the status table says so.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EVAL_FILE, METRICS_FILE } from "../run-dir";
import { runStatus, statusLines } from "./status";
import { parseStudy } from "./study-file";
import { tinyStudy, tmp } from "./test-study";

const [run] = parseStudy(tinyStudy("{ beta: [4] }", "[1]", 30), "study.yaml").runs;

function runDir(lastStep: number): string {
  const dir = join(tmp(), run.id);
  mkdirSync(dir);
  writeFileSync(join(dir, METRICS_FILE), `${JSON.stringify({ step: lastStep - 1 })}\n${JSON.stringify({ step: lastStep })}\n`);
  return dir;
}

describe("runStatus", () => {
  it("tells a trained run's evaluation from its figures while a sweep holds the study", () => {
    const dir = runDir(30);
    const evaluating = runStatus(run, dir, true);
    expect(evaluating).toMatchObject({ state: "running", step: 30, steps: 30, phase: "eval" });
    expect(statusLines("tiny", [evaluating], null)[1]).toMatch(new RegExp(`^${run.id} +running \\(eval\\) +30/30 +—$`));

    writeFileSync(join(dir, EVAL_FILE), JSON.stringify({ step: 30, results: [] }));
    expect(runStatus(run, dir, true)).toMatchObject({ state: "running", phase: "figures" });
    // an eval.json of an earlier checkpoint is not this one's
    writeFileSync(join(dir, EVAL_FILE), JSON.stringify({ step: 25, results: [] }));
    expect(runStatus(run, dir, true).phase).toBe("eval");
  });

  it("gives no phase to a run that is not running", () => {
    const trained = runStatus(run, runDir(30), false);
    expect(trained.state).toBe("stopped");
    expect(trained.phase).toBeUndefined();
    expect(statusLines("tiny", [trained], null)[1]).toMatch(new RegExp(`^${run.id} +stopped +30/30 +—$`));
    const partTrained = runStatus(run, runDir(12), true);
    expect(partTrained).toMatchObject({ state: "queued", step: 12 });
    expect(partTrained.phase).toBeUndefined();
  });
});
