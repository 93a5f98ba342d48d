// One study run through real bvae processes: it ends with the numbers of the same run
// trained alone, a stop mid-run continues from the checkpoint to the same numbers, a
// finished run is not run again, and a real failure is kept with its one line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE } from "../run-dir";
import { FAILED_FILE, LOG_FILE, RESULT_FILE, STUDY_RUN_FILE, type RunResult, executeRun, lastLoggedStep } from "./execute";
import { parseStudy } from "./study-file";
import { tinyStudy, tmp, trainedAlone } from "./test-study";

const finalNumbers = (r: RunResult) => ({ step: r.steps, recon: r.recon, kl: r.kl, klPerLatent: r.klPerLatent });

describe("executeRun", () => {
  // long enough that a stop asked for at step 7 lands before the end on a fast machine
  const STEPS = 120;
  const [run, other] = parseStudy(tinyStudy("{ beta: [2, 8] }", "[1]", STEPS), "tiny.yaml").runs;

  it("trains, evaluates and draws a run, with the numbers of the same run trained alone, once", async () => {
    const dir = join(tmp(), "runs", run.id);
    const progress: number[] = [];
    const outcome = await executeRun(run, dir, { threads: 1, onProgress: (p) => progress.push(p.step), worker: "here" });
    expect(outcome.state).toBe("done");
    const result = (outcome as { result: RunResult }).result;
    expect(JSON.parse(readFileSync(join(dir, RESULT_FILE), "utf8"))).toEqual(result);
    expect(JSON.parse(readFileSync(join(dir, STUDY_RUN_FILE), "utf8"))).toEqual(run);
    const alone = trainedAlone(run);
    expect(finalNumbers(result)).toEqual({ step: STEPS, recon: alone.recon, kl: alone.kl, klPerLatent: alone.klPerLatent }); // bitwise
    expect(result.activeLatents).toBe(alone.klPerLatent.filter((kl) => kl > 0.1).length);
    const evaluation = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8"));
    expect(result.metrics).toEqual({ mig: evaluation.results[0].score });
    expect(evaluation.samples).toMatchObject({ migSamples: 64 });
    for (const figure of ["kl-step.png", "traversal.png", "heatmaps.png"]) expect(existsSync(join(dir, figure))).toBe(true);
    expect(result.worker).toBe("here");
    expect(progress.every((s, i) => i === 0 || s >= progress[i - 1])).toBe(true);

    // finished: nothing runs again
    const logged = statSync(join(dir, LOG_FILE)).mtimeMs;
    expect(await executeRun(run, dir, { threads: 1 })).toEqual({ state: "done", result });
    expect(statSync(join(dir, LOG_FILE)).mtimeMs).toBe(logged);
  }, 120_000);

  it("stops on abort with its checkpoint, and continues from it to the numbers of an uninterrupted run", async () => {
    const dir = join(tmp(), "runs", other.id);
    const stop = new AbortController();
    const outcome = await executeRun(other, dir, {
      threads: 1, signal: stop.signal,
      onProgress: ({ step }) => void (step >= 7 && stop.abort()),
    });
    expect(outcome.state).toBe("stopped");
    const step = (outcome as { step: number }).step;
    expect(step).toBeGreaterThanOrEqual(7);
    expect(step).toBeLessThan(STEPS);
    expect(existsSync(join(dir, RESULT_FILE))).toBe(false);
    expect(lastLoggedStep(join(dir, "metrics.jsonl"))).toBe(step);

    const resumed = await executeRun(other, dir, { threads: 1 });
    expect(resumed.state).toBe("done");
    expect(readFileSync(join(dir, LOG_FILE), "utf8")).toMatch(/\$ bvae train --resume /);
    const alone = trainedAlone(other);
    expect(finalNumbers((resumed as { result: RunResult }).result)).toEqual({ step: STEPS, recon: alone.recon, kl: alone.kl, klPerLatent: alone.klPerLatent });
  }, 120_000);

  it("starts afresh a run killed before its first checkpoint, and leaves a run another process holds", async () => {
    const [fresh] = parseStudy(tinyStudy("{ beta: [3] }", "[1]", 6), "tiny.yaml").runs;
    const dir = join(tmp(), "runs", fresh.id);
    mkdirSync(dir, { recursive: true });
    const holder = (pid: number) => JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() });
    writeFileSync(join(dir, LOCK_FILE), holder(process.pid));
    await expect(executeRun(fresh, dir, { threads: 1 })).rejects.toThrow(`${dir} is in use by another process (${join(dir, LOCK_FILE)})`);
    expect(existsSync(join(dir, STUDY_RUN_FILE))).toBe(true);

    const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // a process that has exited
    writeFileSync(join(dir, LOCK_FILE), holder(dead));
    writeFileSync(join(dir, "metrics.jsonl"), '{"step":1,"recon":1,"kl":0,"klPerLatent":[0,0],"C":null}\n');
    writeFileSync(join(dir, "config.json"), "{}\n");
    const outcome = await executeRun(fresh, dir, { threads: 1 });
    expect(outcome.state).toBe("done");
    expect(finalNumbers((outcome as { result: RunResult }).result)).toEqual(trainedAlone(fresh));
  }, 60_000);

  it("keeps a real failure with its one line, and does not run it again", async () => {
    const [diverging] = parseStudy(tinyStudy("{ beta: [1e30] }"), "tiny.yaml").runs;
    const dir = join(tmp(), "runs", diverging.id);
    const outcome = await executeRun(diverging, dir, { threads: 1 });
    expect(outcome.state).toBe("failed");
    const error = (outcome as { error: string }).error;
    expect(error).toMatch(/^train: bvae train: step 1: a gradient is not finite; .*makes the KL term's gradient overflow: try a lower --beta$/i);
    expect(JSON.parse(readFileSync(join(dir, FAILED_FILE), "utf8"))).toMatchObject({ id: diverging.id, phase: "train", exitCode: 1, error });
    expect(existsSync(join(dir, RESULT_FILE))).toBe(false);
    const logged = statSync(join(dir, LOG_FILE)).mtimeMs;
    expect(await executeRun(diverging, dir, { threads: 1 })).toEqual({ state: "failed", error });
    expect(statSync(join(dir, LOG_FILE)).mtimeMs).toBe(logged);
  }, 60_000);
});
