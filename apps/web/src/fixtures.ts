// Checkpoints for tests, made the way `bvae train` makes them (core's Trainer and
// encodeCheckpoint on the WASM backend), small enough to build in a second.
import { Trainer, type TrainingConfig, WasmBackend, encodeCheckpoint } from "@betavae/core";
import { ImageSampler, createDataset } from "@betavae/datasets";

/** A checkpoint of `steps` training steps on dSprites, or of an image size the page has no dataset for. */
export async function makeCheckpoint(options: { steps: number; size?: number; latents?: number; seed?: number }): Promise<Uint8Array> {
  const size = options.size ?? 64;
  const config: TrainingConfig = {
    model: { height: size, width: size, channels: 1, latents: options.latents ?? 6, convChannels: 32, hidden: 256, likelihood: "bernoulli", variance: 1 },
    objective: { kind: "beta", beta: 4 },
    optimiser: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    batch: 4,
    seed: options.seed ?? 7,
  };
  const backend = await WasmBackend.create();
  try {
    const dataset = createDataset("dsprites");
    const source = size === 64 ? new ImageSampler(dataset, config.seed + 1) : { next: (x: Float32Array) => x.fill(0.5), getState: () => ({}), setState: () => {} };
    const trainer = new Trainer(backend, config, source);
    for (let i = 0; i < options.steps; i++) await trainer.trainStep();
    return await encodeCheckpoint(trainer, { dataset: "dsprites" });
  } finally {
    backend.dispose();
  }
}
