import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ReferenceBackend } from "../backend/reference";
import { WasmBackend } from "../backend/wasm";
import { BURGESS_CONFIG, architectureOf } from "../model/config";
import { BetaVAE } from "../model/vae";
import { Rng } from "../rng";
import { type Checkpoint, CheckpointError, decodeCheckpoint, describeConfigMismatch, encodeCheckpoint, loadWeights, restoreCheckpoint, serializeCheckpoint, weightsOnly } from "./checkpoint";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "./safetensors";
import { SquaresSource } from "../testing/squares-source";
import { DEFAULT_OPTIMISER, Trainer, type TrainingConfig } from "./trainer";

const CONFIG: TrainingConfig = { model: BURGESS_CONFIG, objective: { kind: "beta", beta: 4 }, optimiser: DEFAULT_OPTIMISER, batch: 2, seed: 9 };

async function trained(): Promise<{ trainer: Trainer; bytes: Uint8Array }> {
  const trainer = new Trainer(await WasmBackend.create(), CONFIG, new SquaresSource(64, 1));
  await trainer.trainStep();
  return { trainer, bytes: await encodeCheckpoint(trainer, { dataset: "squares" }) };
}

describe("safetensors", () => {
  it("round-trips tensors and metadata, with the data 8-byte aligned", () => {
    const tensors = new Map([["a", { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }], ["b.c", { shape: [1], data: Float32Array.of(-0.5) }]]);
    const bytes = encodeSafetensors(tensors, { hello: "world" });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ hello: "world" });
    expect(back.tensors.get("a")).toEqual(tensors.get("a"));
    expect(back.tensors.get("b.c")).toEqual(tensors.get("b.c"));
  });
});

describe("checkpoints", () => {
  it("round-trip weights, Adam moments, config and training state", async () => {
    const { trainer, bytes } = await trained();
    const checkpoint = decodeCheckpoint(bytes);
    expect(checkpoint.config).toEqual(CONFIG);
    expect(checkpoint.state).toEqual(trainer.getState());
    expect(checkpoint.app).toEqual({ dataset: "squares" });
    const be = await WasmBackend.create();
    const model = BetaVAE.build(be, BURGESS_CONFIG, 1);
    loadWeights(model, checkpoint, true);
    for (const name of ["paramValues", "adamM", "adamV"] as const) {
      const [got, want] = [await be.read(model[name]), await trainer.backend.read(trainer.model[name])];
      expect(got.length).toBe(want.length);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
  });

  it("stores weights in PyTorch's layout (Conv2d OIHW, ConvTranspose2d IOHW, Linear [out, in], CHW flattening)", async () => {
    const { trainer, bytes } = await trained();
    const t = decodeCheckpoint(bytes).tensors;
    const ours = await trainer.backend.read(trainer.model.paramValues);
    const slot = (name: string) => trainer.model.parameterLayout.find((s) => s.name === name)!;
    const at = (name: string, i: number) => ours[slot(name).offset + i];
    expect(t.get("encoder.conv2.weight")!.shape).toEqual([32, 32, 4, 4]);
    // ours [kh=1, kw=2, ci=3, co=5] ↔ torch [co=5, ci=3, kh=1, kw=2]
    expect(t.get("encoder.conv2.weight")!.data[((5 * 32 + 3) * 4 + 1) * 4 + 2]).toBe(at("encoder.conv2.weight", ((1 * 4 + 2) * 32 + 3) * 32 + 5));
    // transposed: ours [kh, kw, out=0, in=7] ↔ torch ConvTranspose2d [in=7, out=0, kh, kw]
    expect(t.get("decoder.deconv4.weight")!.shape).toEqual([32, 1, 4, 4]);
    expect(t.get("decoder.deconv4.weight")!.data[(7 * 1 + 0) * 16 + 2 * 4 + 3]).toBe(at("decoder.deconv4.weight", (2 * 4 + 3) * 32 + 7));
    // Linear after flattening: ours row (h=1, w=2, c=3) of [4,4,32] ↔ torch column c·16 + h·4 + w; output 9
    expect(t.get("encoder.fc1.weight")!.shape).toEqual([256, 512]);
    expect(t.get("encoder.fc1.weight")!.data[9 * 512 + 3 * 16 + 1 * 4 + 2]).toBe(at("encoder.fc1.weight", ((1 * 4 + 2) * 32 + 3) * 256 + 9));
    expect(t.get("decoder.fc3.bias")!.data[3 * 16 + 1 * 4 + 2]).toBe(at("decoder.fc3.bias", (1 * 4 + 2) * 32 + 3));
    expect(t.get("optimizer.m.encoder.mu.weight")!.shape).toEqual([10, 256]);
  });

  it("exports the weights alone: loadable for inference, refused for resuming", async () => {
    const { trainer, bytes } = await trained();
    const exported = serializeCheckpoint(weightsOnly(decodeCheckpoint(bytes)));
    expect(exported.length).toBeLessThan(bytes.length / 2.5);
    const back = decodeCheckpoint(exported);
    expect([...back.tensors.keys()].some((k) => k.startsWith("optimizer."))).toBe(false);
    const be = await WasmBackend.create();
    const model = BetaVAE.build(be, BURGESS_CONFIG, 1);
    loadWeights(model, back, false);
    const [got, want] = [await be.read(model.paramValues), await trainer.backend.read(trainer.model.paramValues)];
    expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    const fresh = new Trainer(be, CONFIG, new SquaresSource(64, 1));
    expect(() => restoreCheckpoint(fresh, back)).toThrow("this checkpoint holds weights only (an export for inference): it can be evaluated and drawn, not resumed");
  });

  it("refuses a checkpoint whose shapes do not fit the model, naming the setting", async () => {
    const { bytes } = await trained();
    const model = BetaVAE.build(await WasmBackend.create(), { ...BURGESS_CONFIG, latents: 6 }, 1);
    expect(() => loadWeights(model, decodeCheckpoint(bytes), false)).toThrow("checkpoint does not fit this model: it was trained with latents 10, this model has 6");
  });

  it("refuses a checkpoint with a tensor of the wrong shape", async () => {
    const { bytes } = await trained();
    const checkpoint = decodeCheckpoint(bytes);
    checkpoint.tensors.set("encoder.mu.bias", { shape: [11], data: new Float32Array(11) });
    const model = BetaVAE.build(await WasmBackend.create(), BURGESS_CONFIG, 1);
    expect(() => loadWeights(model, checkpoint, false)).toThrow("checkpoint tensor encoder.mu.bias has shape [11], the model needs [10]");
  });

  it("reports truncated, corrupt and foreign files with one clear error", async () => {
    const { bytes } = await trained();
    expect(() => decodeCheckpoint(bytes.subarray(0, 5))).toThrow("not a readable checkpoint: file is 5 bytes, too short for a safetensors header");
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(new TextEncoder().encode("PK\u0003\u0004 this is a zip file, not a checkpoint"))).toThrow(CheckpointError);
    const foreign = encodeSafetensors(new Map([["w", { shape: [1], data: Float32Array.of(1) }]]), {});
    expect(() => decodeCheckpoint(foreign)).toThrow("not a betavae checkpoint");
  });

  it("survives fuzzing: random and mutated files give a CheckpointError, never a crash or a hang", async () => {
    const { bytes } = await trained();
    const rng = new Rng(77);
    const started = performance.now();
    let rejected = 0;
    for (let trial = 0; trial < 300; trial++) {
      let input: Uint8Array;
      const kind = trial % 4;
      if (kind === 0) {
        input = new Uint8Array(rng.int(200));
        for (let i = 0; i < input.length; i++) input[i] = rng.int(256);
      } else if (kind === 1) {
        input = bytes.slice(0, rng.int(bytes.length));
      } else {
        input = bytes.slice();
        // flip bytes: in the header (kind 2) or anywhere (kind 3)
        const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
        for (let f = 0; f < 1 + rng.int(4); f++) input[rng.int(kind === 2 ? headerEnd : input.length)] ^= 1 << rng.int(8);
      }
      try {
        decodeCheckpoint(input);
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(200);
    expect(performance.now() - started).toBeLessThan(20000);
  });

  it("names the problem for a bad safetensors entry", () => {
    const json = new TextEncoder().encode(JSON.stringify({ w: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }));
    const bytes = new Uint8Array(8 + json.length + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    expect(() => decodeSafetensors(bytes)).toThrow(new SafetensorsError("tensor w: dtype F16 is not supported (only F32)"));
  });

  it("round-trip disentanglement_lib's architecture: its config, its tensors in PyTorch's layout, and only into a model of that architecture", async () => {
    const config: TrainingConfig = { ...CONFIG, model: { ...BURGESS_CONFIG, architecture: "dislib" } };
    const trainer = new Trainer(await WasmBackend.create(), config, new SquaresSource(64, 1));
    await trainer.trainStep();
    const checkpoint = decodeCheckpoint(await encodeCheckpoint(trainer, { dataset: "squares" }));
    expect(checkpoint.config).toEqual(config);
    expect(checkpoint.tensors.get("encoder.conv3.weight")!.shape).toEqual([64, 32, 2, 2]);
    expect(checkpoint.tensors.get("encoder.fc1.weight")!.shape).toEqual([256, 1024]);
    expect(checkpoint.tensors.get("decoder.deconv2.weight")!.shape).toEqual([64, 32, 4, 4]);
    expect(checkpoint.tensors.has("encoder.fc2.weight")).toBe(false);
    const be = await WasmBackend.create();
    const model = BetaVAE.build(be, checkpoint.config.model, 1);
    loadWeights(model, checkpoint, true);
    for (const name of ["paramValues", "adamM", "adamV"] as const) {
      const [got, want] = [await be.read(model[name]), await trainer.backend.read(trainer.model[name])];
      expect(got.length).toBe(want.length);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
    expect(() => loadWeights(BetaVAE.build(be, BURGESS_CONFIG, 1), checkpoint, false))
      .toThrow(new CheckpointError("checkpoint does not fit this model: it was trained with the dislib architecture, this model has burgess"));
  });

  it("loads the checkpoint an earlier build wrote (commit 65dacd5) and resumes it to the bit", async () => {
    // Written at 65dacd5: this config, SquaresSource(16, 6), reference backend, 3 updates, app { dataset: "squares" };
    // that build then trained a 4th update to the metrics and tensors recorded here.
    const old = decodeCheckpoint(readFileSync(new URL("./fixtures/capacity-65dacd5.safetensors", import.meta.url)));
    expect(old.config).toEqual({
      model: { height: 16, width: 16, channels: 1, latents: 3, convChannels: 4, hidden: 8, likelihood: "bernoulli", variance: 1 },
      objective: { kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 4, rampFrom: { step: 1, capacity: 0.5 } },
      optimiser: { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, batch: 4, seed: 5,
    });
    expect([old.state.step, old.app]).toEqual([3, { dataset: "squares" }]);
    // written before the architecture was a choice: it reads as the one there was
    expect(architectureOf(old.config.model)).toBe("burgess");
    expect(describeConfigMismatch(old.config.model, { ...old.config.model, architecture: "burgess" })).toBeNull();
    const t = new Trainer(new ReferenceBackend(), old.config, new SquaresSource(16, 6));
    restoreCheckpoint(t, old);
    const tensorsHash = (c: Checkpoint) => {
      const hash = createHash("sha256");
      for (const name of [...c.tensors.keys()].sort()) {
        const d = c.tensors.get(name)!.data;
        hash.update(name);
        hash.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      }
      return hash.digest("hex");
    };
    // written back by this build: the same tensors, names and layout
    expect(tensorsHash(decodeCheckpoint(await encodeCheckpoint(t)))).toBe("3213546f8581f81511e470affda3552408b5628e2f46a181f9c265eab095a274");
    expect(await t.trainStep()).toMatchObject({
      step: 4, loss: 458.13568767905235, recon: 189.2313690185547, kl: 0.060956813395023346,
      klPerLatent: [0.025629732757806778, 0.0318119190633297, 0.0035151636693626642], capacity: 2.75, klWeight: -100, gradNorm: 157.83939746028238,
    });
    expect(tensorsHash(decodeCheckpoint(await encodeCheckpoint(t)))).toBe("7e7da3ce97a031791f8e5bc7b5b4a73ec60443c64a172ce8c74bb573e898d4de");
  });

  it("loads the shipped model and writes back every tensor it holds, bit for bit", async () => {
    const shipped = decodeCheckpoint(readFileSync(new URL("../../../../models/dsprites-capacity.safetensors", import.meta.url)));
    const t = new Trainer(await WasmBackend.create(), { ...shipped.config, batch: 1 }, new SquaresSource(64, 1));
    loadWeights(t.model, shipped, false);
    const back = weightsOnly(decodeCheckpoint(await encodeCheckpoint(t))).tensors;
    expect([...back.keys()].sort()).toEqual([...shipped.tensors.keys()].sort());
    expect(back.size).toBe(30);
    for (const [name, tensor] of shipped.tensors) {
      expect(back.get(name)!.shape).toEqual(tensor.shape);
      expect(back.get(name)!.data.every((v, i) => Object.is(v, tensor.data[i]))).toBe(true);
    }
  });
});
