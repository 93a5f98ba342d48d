// A run trained straight through against the same run stopped, checkpointed (bytes and back)
// and resumed, on the WASM backend at one thread: every logged number and every parameter and
// Adam moment must agree to the bit.
import type { Backend } from "../backend/backend";
import { WasmBackend } from "../backend/wasm";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from "../train/checkpoint";
import { type StepMetrics, Trainer, type TrainingConfig } from "../train/trainer";
import { SquaresSource } from "./squares-source";

export interface ResumeCheck {
  /** the last `steps − stopAt` steps' metrics, straight and resumed */
  straight: StepMetrics[];
  resumed: StepMetrics[];
  /** every parameter arena's values and Adam moments are bitwise equal at the end */
  sameState: boolean;
  /** the objective as the checkpoint stored it */
  stored: TrainingConfig["objective"];
  /** the checkpoint taken at `stopAt`, after its trip through bytes */
  checkpoint: Checkpoint;
  /** the trainer resumed from it, after its last step */
  resumedTrainer: Trainer;
}

/** A trainer on squares of the model's size (seeded from the config's seed), on `backend` or a one-thread WASM backend. */
export async function squaresTrainer(config: TrainingConfig, backend?: Backend): Promise<Trainer> {
  return new Trainer(backend ?? (await WasmBackend.create({ threads: 1 })), config, new SquaresSource(config.model.height, config.seed + 1));
}

/** Values and both Adam moments of every parameter arena (the model's, then the objective's). */
export async function arenaValues(t: Trainer): Promise<Float32Array[]> {
  return Promise.all(t.parameterArenas.flatMap((a) => [a.values, a.adamM, a.adamV]).map((b) => t.backend.read(b)));
}

export async function checkResume(config: TrainingConfig, steps: number, stopAt: number): Promise<ResumeCheck> {
  const trainer = (c: TrainingConfig) => squaresTrainer(c);
  const state = arenaValues;
  const straightRun = await trainer(config);
  const straight: StepMetrics[] = [];
  for (let i = 0; i < steps; i++) straight.push(await straightRun.trainStep());
  const first = await trainer(config);
  for (let i = 0; i < stopAt; i++) await first.trainStep();
  const checkpoint = decodeCheckpoint(await encodeCheckpoint(first));
  const second = await trainer(checkpoint.config);
  restoreCheckpoint(second, checkpoint);
  const resumed: StepMetrics[] = [];
  for (let i = stopAt; i < steps; i++) resumed.push(await second.trainStep());
  const [want, got] = [await state(straightRun), await state(second)];
  const sameState = want.length === got.length && got.every((g, k) => g.length === want[k].length && g.every((v, i) => Object.is(v, want[k][i])));
  return { straight: straight.slice(stopAt), resumed, sameState, stored: checkpoint.config.objective, checkpoint, resumedTrainer: second };
}
