// Checkpoints: one safetensors file holding the weights in PyTorch's layout (so
// `safetensors.torch.load_file` gives a state dict for the equivalent nn.Module, see
// docs in the README), the Adam moments under `optimizer.m.` / `optimizer.v.`, and in the
// metadata the training config and state (step, PRNG states). The tensors are those of every
// parameter arena the trainer has (the model's, then any its objective owns), each named and
// laid out as the layer that asked for it says. Bytes in, bytes out: writing files
// (atomically) is the caller's business.
import { type ModelConfig, architectureOf, validateModelConfig } from "../model/config";
import type { ParameterArena } from "../model/parameters";
import type { BetaVAE } from "../model/vae";
import { validateObjective } from "./objectives/index";
import { type Tensor, decodeSafetensors, encodeSafetensors, SafetensorsError } from "./safetensors";
import { MAX_BATCH, type TrainingConfig, type TrainingState, type Trainer, validateOptimiser } from "./trainer";

export const CHECKPOINT_FORMAT = "betavae-checkpoint";
export const CHECKPOINT_VERSION = "1";

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

export interface Checkpoint {
  config: TrainingConfig;
  state: TrainingState;
  /** What the application stored beside the run (e.g. the dataset's name); opaque to core. */
  app: Record<string, unknown>;
  /** name → tensor in PyTorch layout (weights, then optimizer.m.*, optimizer.v.*) */
  tensors: Map<string, Tensor>;
}

/** Transposes an N-d row-major array: out axis i is input axis perm[i]. */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const n = shape.length;
  const inStrides = new Array<number>(n);
  for (let i = n - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const outShape = perm.map((a) => shape[a]);
  const strides = perm.map((a) => inStrides[a]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(n).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < n; i++) src += index[i] * strides[i];
    out[o] = data[src];
    for (let i = n - 1; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => { inv[a] = i; });
  return inv;
}

export async function encodeCheckpoint(trainer: Trainer, app: Record<string, unknown> = {}): Promise<Uint8Array> {
  return serializeCheckpoint({ config: trainer.config, state: trainer.getState(), app, tensors: await checkpointTensors(trainer) });
}

const MOMENT_PREFIXES = { m: "optimizer.m.", v: "optimizer.v." } as const;

/** The trainer's weights and Adam moments, in PyTorch layout, named as checkpoints store them. */
async function checkpointTensors(trainer: Trainer): Promise<Map<string, Tensor>> {
  const be = trainer.backend;
  const arenas = await Promise.all(trainer.parameterArenas.map(async (arena) => ({
    arena, buffers: { "": await be.read(arena.values), [MOMENT_PREFIXES.m]: await be.read(arena.adamM), [MOMENT_PREFIXES.v]: await be.read(arena.adamV) },
  })));
  const tensors = new Map<string, Tensor>();
  for (const prefix of ["", MOMENT_PREFIXES.m, MOMENT_PREFIXES.v] as const) {
    for (const { arena, buffers } of arenas) {
      const host = buffers[prefix];
      for (const slot of arena.slots) {
        const t = slot.torch;
        tensors.set(prefix + slot.name, { shape: t.torchShape, data: permute(host.subarray(slot.offset, slot.offset + slot.size), t.reshape, t.perm) });
      }
    }
  }
  return tensors;
}

export function serializeCheckpoint(c: Checkpoint): Uint8Array {
  return encodeSafetensors(c.tensors, {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    layout: "pytorch",
    config: JSON.stringify(c.config),
    state: JSON.stringify(c.state),
    app: JSON.stringify(c.app),
  });
}

const OPTIMIZER_PREFIX = "optimizer.";

/** The checkpoint without its Adam moments: a third of the size, enough to encode, decode and evaluate, not to resume. */
export function weightsOnly(c: Checkpoint): Checkpoint {
  return { ...c, tensors: new Map([...c.tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX))) };
}

/** Whether the checkpoint holds the optimiser state a resumed run needs. */
export function hasOptimizerState(c: Checkpoint): boolean {
  return [...c.tensors.keys()].some((name) => name.startsWith(OPTIMIZER_PREFIX));
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  let parsed: ReturnType<typeof decodeSafetensors>;
  try {
    parsed = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`not a readable checkpoint: ${e.message}`);
    throw e;
  }
  const meta = parsed.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) throw new CheckpointError("not a betavae checkpoint (its metadata has no betavae format tag)");
  if (meta.version !== CHECKPOINT_VERSION) throw new CheckpointError(`checkpoint version ${meta.version} is not supported (this build reads ${CHECKPOINT_VERSION})`);
  let config: TrainingConfig, state: TrainingState, app: Record<string, unknown>;
  try {
    config = JSON.parse(meta.config);
    state = JSON.parse(meta.state);
    app = meta.app === undefined ? {} : JSON.parse(meta.app);
    if (typeof app !== "object" || app === null || Array.isArray(app)) throw new Error("app metadata is not an object");
    validateModelConfig(config.model); // one without an architecture was written before there was a choice: burgess
    validateObjective(config.objective);
    validateOptimiser(config.optimiser);
    if (!Number.isInteger(config.batch) || config.batch < 1 || config.batch > MAX_BATCH) throw new Error(`batch must be an integer in [1, ${MAX_BATCH}], got ${config.batch}`);
    if (!Number.isSafeInteger(config.seed)) throw new Error("seed is invalid");
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error("step is invalid");
  } catch (e) {
    throw new CheckpointError(`checkpoint metadata is corrupt: ${(e as Error).message}`);
  }
  return { config, state, app, tensors: parsed.tensors };
}

/** Writes a checkpoint's tensors into `arena` (and, when `optimizer`, their Adam moments); every one must be present with its shape. */
function loadArena(arena: ParameterArena, checkpoint: Checkpoint, optimizer: boolean): void {
  const targets: [string, ParameterArena["values"]][] = [["", arena.values]];
  if (optimizer) targets.push([MOMENT_PREFIXES.m, arena.adamM], [MOMENT_PREFIXES.v, arena.adamV]);
  for (const [prefix, target] of targets) {
    const host = new Float32Array(arena.size);
    for (const slot of arena.slots) {
      const t = slot.torch;
      const tensor = checkpoint.tensors.get(prefix + slot.name);
      if (!tensor) throw new CheckpointError(`checkpoint has no tensor ${prefix + slot.name}`);
      if (tensor.shape.join() !== t.torchShape.join()) {
        throw new CheckpointError(`checkpoint tensor ${prefix + slot.name} has shape [${tensor.shape}], the model needs [${t.torchShape}]`);
      }
      host.set(permute(tensor.data, t.perm.map((a) => t.reshape[a]), inverse(t.perm)), slot.offset);
    }
    arena.backend.write(target, host);
  }
}

/**
 * Writes a checkpoint's weights into `model` (and, when `optimizer`, its Adam moments).
 * Every tensor must be present with the shape the model expects.
 */
export function loadWeights(model: BetaVAE, checkpoint: Checkpoint, optimizer: boolean): void {
  const mismatch = describeConfigMismatch(checkpoint.config.model, model.config);
  if (mismatch) throw new CheckpointError(`checkpoint does not fit this model: ${mismatch}`);
  loadArena(model.parameters, checkpoint, optimizer);
}

/** Restores weights, Adam moments (the objective's too), step and PRNG states: the run continues as if never stopped. */
export function restoreCheckpoint(trainer: Trainer, checkpoint: Checkpoint): void {
  if (!hasOptimizerState(checkpoint)) {
    throw new CheckpointError("this checkpoint holds weights only (an export for inference): it can be evaluated and drawn, not resumed");
  }
  loadWeights(trainer.model, checkpoint, true);
  for (const arena of trainer.parameterArenas) if (arena !== trainer.model.parameters) loadArena(arena, checkpoint, true);
  trainer.setState(checkpoint.state);
}

/** A sentence naming the first model setting that differs, or null. */
export function describeConfigMismatch(saved: ModelConfig, wanted: ModelConfig): string | null {
  if (architectureOf(saved) !== architectureOf(wanted)) {
    return `it was trained with the ${architectureOf(saved)} architecture, this model has ${architectureOf(wanted)}`;
  }
  for (const key of Object.keys(wanted) as (keyof ModelConfig)[]) {
    if (key === "architecture") continue;
    if (saved[key] !== wanted[key]) return `it was trained with ${key} ${String(saved[key])}, this model has ${String(wanted[key])}`;
  }
  return null;
}
