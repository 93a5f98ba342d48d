// Tiny studies for the tests of the study commands, and the same run trained alone to compare with.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { BVAE_BIN, settingsArgs } from "./execute";
import type { StudyRun } from "./study-file";

export const tmp = () => mkdtempSync(join(tmpdir(), "bvae-study-"));

/** Tiny runs: two latents of 64×64 blobs, 8 images a step, a checkpoint every 5 steps. */
export function tinyStudy(grid: string, seeds = "[1]", steps = 24): string {
  return `name: tiny
base: { dataset: blobs, batch: 8, latents: 2, steps: ${steps}, checkpoint-every: 5, log-every: 1 }
grid: ${grid}
seeds: ${seeds}
eval: { metrics: [mig], samples: 64 }
`;
}

/** The last logged step of a run trained alone by `bvae train` with the same settings, on one thread. */
export function trainedAlone(run: StudyRun): { step: number; recon: number; kl: number; klPerLatent: number[] } {
  const dir = join(tmp(), "alone");
  const r = spawnSync(process.execPath, [BVAE_BIN, "train", ...settingsArgs(run.settings), `--out=${dir}`, "--threads=1"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
  const { step, recon, kl, klPerLatent } = JSON.parse(lines[lines.length - 1]);
  return { step, recon, kl, klPerLatent };
}
