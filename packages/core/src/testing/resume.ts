// What every objective owning tensors must show: its checkpoint round-trips and a resumed run
// goes on to the bit as if never stopped (one thread).
import { expect } from "vitest";
import type { Backend } from "../backend/backend";
import { WasmBackend } from "../backend/wasm";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from "../train/checkpoint";
import { Trainer, type TrainingConfig } from "../train/trainer";
import { SquaresSource } from "./squares-source";

/** A trainer on 16×16 squares (seeded from the config's seed), on `backend` or a one-thread WASM backend. */
export async function squaresTrainer(config: TrainingConfig, backend?: Backend): Promise<Trainer> {
  return new Trainer(backend ?? (await WasmBackend.create()), config, new SquaresSource(16, config.seed + 1));
}

/** Values and both Adam moments of every parameter arena (the model's, then the objective's). */
export async function arenaValues(t: Trainer): Promise<Float32Array[]> {
  return Promise.all(t.parameterArenas.flatMap((a) => [a.values, a.adamM, a.adamV]).map((b) => t.backend.read(b)));
}

/**
 * Trains `config` six updates straight, and three, a checkpoint through bytes and three more
 * resumed from it; expects the same metrics and every arena's bits. Returns the checkpoint and
 * the resumed trainer, for checks of their own.
 */
export async function expectBitwiseResume(config: TrainingConfig): Promise<{ checkpoint: Checkpoint; resumed: Trainer }> {
  const straight = await squaresTrainer(config);
  const straightMetrics = [];
  for (let i = 0; i < 6; i++) straightMetrics.push(await straight.trainStep());

  const first = await squaresTrainer(config);
  for (let i = 0; i < 3; i++) await first.trainStep();
  const checkpoint = decodeCheckpoint(await encodeCheckpoint(first));
  expect(checkpoint.config.objective).toEqual(config.objective);
  const resumed = await squaresTrainer(checkpoint.config);
  restoreCheckpoint(resumed, checkpoint);
  const resumedMetrics = [];
  for (let i = 0; i < 3; i++) resumedMetrics.push(await resumed.trainStep());
  expect(resumedMetrics).toEqual(straightMetrics.slice(3));
  const [want, got] = [await arenaValues(straight), await arenaValues(resumed)];
  expect(got.length).toBe(3 * resumed.parameterArenas.length);
  got.forEach((g, k) => expect(g.every((v, i) => Object.is(v, want[k][i]))).toBe(true));
  return { checkpoint, resumed };
}
