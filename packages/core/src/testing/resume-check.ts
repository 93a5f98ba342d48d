// A run trained straight through against the same run stopped, checkpointed (bytes and back)
// and resumed, on the WASM backend at one thread: every logged number and every parameter and
// Adam moment must agree to the bit.
import { WasmBackend } from "../backend/wasm";
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from "../train/checkpoint";
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
}

export async function checkResume(config: TrainingConfig, steps: number, stopAt: number): Promise<ResumeCheck> {
  const trainer = async (c: TrainingConfig) => new Trainer(await WasmBackend.create({ threads: 1 }), c, new SquaresSource(config.model.height, c.seed + 1));
  const state = async (t: Trainer) => Promise.all(t.parameterArenas.flatMap((a) => [a.values, a.adamM, a.adamV]).map((b) => t.backend.read(b)));
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
  return { straight: straight.slice(stopAt), resumed, sameState, stored: checkpoint.config.objective };
}
