import { describe, expect, it } from "vitest";
import { ReferenceBackend, type ReferenceBuffer } from "../backend/reference";
import { WasmBackend } from "../backend/wasm";
import type { Backend } from "../backend/backend";
import { compare } from "../compare";
import { Rng } from "../rng";
import { klWeightedBackward as backward } from "../train/objectives/kl-weighted";
import { BURGESS_CONFIG, type ModelConfig } from "./config";
import { ConvLayer } from "./layers";
import { BetaVAE } from "./vae";

const TINY: ModelConfig = { height: 16, width: 16, channels: 1, latents: 2, convChannels: 2, hidden: 3, likelihood: "bernoulli", variance: 1 };

const DISLIB_CONFIG: ModelConfig = { ...BURGESS_CONFIG, architecture: "dislib" };

function feed(model: BetaVAE, seed: number, binary = true): void {
  const rng = new Rng(seed);
  const images = new Float32Array(model.input.length);
  for (let i = 0; i < images.length; i++) images[i] = binary ? (rng.next() < 0.3 ? 1 : 0) : rng.next();
  const eps = new Float32Array(model.eps.length);
  rng.fillNormal(eps);
  model.backend.write(model.input, images);
  model.backend.write(model.eps, eps);
}

async function scalar(be: Backend, buf: BetaVAE["recon"]): Promise<number> {
  return (await be.read(buf))[0];
}

describe("BetaVAE", () => {
  it("lays out the Burgess model: 4 convs, 3 dense, 2 heads, 3 dense, 4 transposed convs", () => {
    const model = BetaVAE.build(new ReferenceBackend(), BURGESS_CONFIG, 2);
    const shapes = Object.fromEntries(model.params.map((p) => [p.name, p.shape]));
    expect(shapes["encoder.conv1.weight"]).toEqual([4, 4, 1, 32]);
    expect(shapes["encoder.conv4.weight"]).toEqual([4, 4, 32, 32]);
    expect(shapes["encoder.fc1.weight"]).toEqual([512, 256]);
    expect(shapes["encoder.mu.weight"]).toEqual([256, 10]);
    expect(shapes["encoder.logvar.weight"]).toEqual([256, 10]);
    expect(shapes["decoder.fc3.weight"]).toEqual([256, 512]);
    expect(shapes["decoder.deconv4.weight"]).toEqual([4, 4, 1, 32]);
    expect(model.params.length).toBe(30);
    // 4·(16·c_in·32 + 32) + 512·256+256 + 256·256+256 + 2·(256·10+10) + …: the paper's model
    expect(model.parameterCount).toBe(544 + 3 * 16416 + 131328 + 65792 + 2 * 2570 + 2816 + 65792 + 131584 + 3 * 16416 + 513);
    for (const slot of model.parameterLayout) expect(slot.offset % 64).toBe(0);
  });

  it("lays out disentanglement_lib's model: convs 32, 32, 64, 64 (4×4, 4×4, 2×2, 2×2), dense 256, heads, dense 256, 1024, transposed convs 64, 32, 32, 1", () => {
    const model = BetaVAE.build(new ReferenceBackend(), DISLIB_CONFIG, 2);
    const shapes = Object.fromEntries(model.params.map((p) => [p.name, p.shape]));
    expect(model.params.map((p) => p.name).filter((n) => n.endsWith(".weight"))).toEqual([
      "encoder.conv1.weight", "encoder.conv2.weight", "encoder.conv3.weight", "encoder.conv4.weight", "encoder.fc1.weight",
      "encoder.mu.weight", "encoder.logvar.weight",
      "decoder.fc1.weight", "decoder.fc2.weight", "decoder.deconv1.weight", "decoder.deconv2.weight", "decoder.deconv3.weight", "decoder.deconv4.weight",
    ]);
    expect(shapes["encoder.conv1.weight"]).toEqual([4, 4, 1, 32]);
    expect(shapes["encoder.conv2.weight"]).toEqual([4, 4, 32, 32]);
    expect(shapes["encoder.conv3.weight"]).toEqual([2, 2, 32, 64]);
    expect(shapes["encoder.conv4.weight"]).toEqual([2, 2, 64, 64]);
    expect(shapes["encoder.fc1.weight"]).toEqual([1024, 256]);
    expect(shapes["encoder.mu.weight"]).toEqual([256, 10]);
    expect(shapes["decoder.fc1.weight"]).toEqual([10, 256]);
    expect(shapes["decoder.fc2.weight"]).toEqual([256, 1024]);
    // transposed-conv filters are [kh, kw, out, in]
    expect(shapes["decoder.deconv1.weight"]).toEqual([4, 4, 64, 64]);
    expect(shapes["decoder.deconv2.weight"]).toEqual([4, 4, 32, 64]);
    expect(shapes["decoder.deconv3.weight"]).toEqual([4, 4, 32, 32]);
    expect(shapes["decoder.deconv4.weight"]).toEqual([4, 4, 1, 32]);
    // the feature maps: 64 → 32 → 16 → 8 → 4 and back, with "same" padding (1 for 4×4, none for 2×2)
    const convs = [...model.encoder, ...model.decoder].filter((l): l is ConvLayer => l instanceof ConvLayer);
    expect(convs.map((l) => [l.shape.inHeight, l.shape.outHeight, l.shape.pad])).toEqual([
      [64, 32, 1], [32, 16, 1], [16, 8, 0], [8, 4, 0], [4, 8, 1], [8, 16, 1], [16, 32, 1], [32, 64, 1],
    ]);
    // the count TensorFlow reports for disentanglement_lib's model with one image channel
    expect(model.parameterCount).toBe(544 + 16416 + 8256 + 16448 + 262400 + 2 * 2570 + 2816 + 263168 + 65600 + 32800 + 16416 + 513);
    expect(model.output.length).toBe(2 * 64 * 64);
  });

  it("rejects a configuration it cannot build, saying what is wrong", () => {
    expect(() => BetaVAE.build(new ReferenceBackend(), { ...TINY, height: 24 }, 1)).toThrow("image size must be a multiple of 16, got 24×16");
    expect(() => BetaVAE.build(new ReferenceBackend(), { ...TINY, latents: 0 }, 1)).toThrow("latents must be an integer in [1, 512], got 0");
    expect(() => BetaVAE.build(new ReferenceBackend(), TINY, 0)).toThrow("batch must be a positive integer, got 0");
    expect(() => BetaVAE.build(new ReferenceBackend(), { ...TINY, architecture: "resnet" as "dislib" }, 1)).toThrow('architecture must be "burgess" or "dislib", got resnet');
  });

  it("initialises reproducibly: He-normal weights (std √(2/fan-in)), zero biases", async () => {
    const be: Backend = new ReferenceBackend();
    const a = BetaVAE.build(be, BURGESS_CONFIG, 1), b = BetaVAE.build(be, BURGESS_CONFIG, 1);
    a.initialise(new Rng(5));
    b.initialise(new Rng(5));
    const va = await be.read(a.paramValues);
    const vb = await be.read(b.paramValues);
    expect(vb.every((v, i) => v === va[i])).toBe(true);
    for (const slot of a.parameterLayout) {
      const values = va.subarray(slot.offset, slot.offset + slot.size);
      if (slot.shape.length === 1) {
        expect(values.every((v) => v === 0)).toBe(true);
        continue;
      }
      let sq = 0;
      for (const v of values) sq += v * v;
      const std = Math.sqrt(sq / values.length), want = Math.sqrt(2 / slot.fanIn);
      expect(Math.abs(std / want - 1)).toBeLessThan(slot.size >= 1000 ? 0.05 : 0.3);
    }
  });

  for (const [architecture, likelihood] of [["burgess", "bernoulli"], ["burgess", "gaussian"], ["dislib", "bernoulli"], ["dislib", "gaussian"]] as const) {
    it(`whole-model gradients match finite differences (${architecture}, ${likelihood}, float64 reference)`, async () => {
      const be = new ReferenceBackend("f64");
      const config: ModelConfig = { ...TINY, architecture, likelihood, variance: 0.5 };
      const model = BetaVAE.build(be, config, 3);
      model.initialise(new Rng(11));
      // non-zero biases, so no pre-activation sits exactly on a ReLU kink (zero inputs × zero bias)
      const rng = new Rng(13);
      const values0 = be.view(model.paramValues as ReferenceBuffer);
      for (const slot of model.parameterLayout) {
        if (slot.shape.length === 1) for (let i = 0; i < slot.size; i++) values0[slot.offset + i] = rng.uniform(-0.2, 0.2);
      }
      feed(model, 12, likelihood === "bernoulli");
      const klWeight = 3.5;
      const view = (b: unknown) => be.view(b as ReferenceBuffer);
      const loss = () => {
        model.forward();
        return view(model.recon)[0] + klWeight * view(model.klTotal)[0];
      };
      loss();
      backward(model, klWeight);
      const analytic = Float64Array.from(view(model.paramGrads));
      const values = view(model.paramValues);
      const h = 1e-5;
      let worst = 0, checked = 0;
      for (const slot of model.parameterLayout) {
        for (let i = slot.offset; i < slot.offset + slot.size; i++) {
          const saved = values[i];
          values[i] = saved + h;
          const up = loss();
          values[i] = saved - h;
          const down = loss();
          values[i] = saved;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - analytic[i]));
          checked++;
        }
      }
      expect(checked).toBe(model.parameterCount);
      // relative to the largest gradient: the loss is a sum over every pixel, so FD round-off is ~1e-9
      const largest = analytic.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      expect(largest).toBeGreaterThan(0.01);
      expect(worst / largest).toBeLessThan(1e-6);
    });
  }

  for (const config of [BURGESS_CONFIG, DISLIB_CONFIG]) it(`forward and backward on WASM match the reference backend (${config.architecture ?? "burgess"} model, batch 3)`, async () => {
    const run = async (be: Backend) => {
      const model = BetaVAE.build(be, config, 3);
      model.initialise(new Rng(21));
      feed(model, 22);
      model.forward();
      backward(model, 4);
      return {
        recon: await scalar(be, model.recon), kl: await be.read(model.klPerLatent),
        output: await be.read(model.output), grads: await be.read(model.paramGrads), gradSquares: await scalar(be, model.gradSquares),
      };
    };
    const ref = await run(new ReferenceBackend("f64"));
    for (const variant of ["simd", "relaxed"] as const) {
      const got = await run(await WasmBackend.create({ variant }));
      expect(got.recon).toBeCloseTo(ref.recon, 1);
      expect(Math.abs(got.recon / ref.recon - 1)).toBeLessThan(1e-5);
      expect(compare(got.kl, ref.kl, 1, 1e-4).pass).toBe(true);
      expect(compare(got.output, ref.output, 512, 1e-4).pass).toBe(true);
      // gradients pass through ~15 layers of float32 sums: a looser, still tight, bound
      const grads = compare(got.grads, ref.grads, 4096, 1e-4);
      expect({ variant, ...grads }).toMatchObject({ variant, pass: true });
      expect(Math.abs(got.gradSquares / ref.gradSquares - 1)).toBeLessThan(1e-3);
    }
  }, 60_000);

  it("shares parameters with a model of another batch size", async () => {
    const be: Backend = await WasmBackend.create();
    const train = BetaVAE.build(be, BURGESS_CONFIG, 4);
    train.initialise(new Rng(1));
    feed(train, 2);
    train.encode();
    const single = BetaVAE.build(be, BURGESS_CONFIG, 1, train);
    const images = await be.read(train.input);
    be.write(single.input, images.subarray(0, single.input.length));
    single.encode();
    expect(Array.from(await be.read(single.mu))).toEqual(Array.from((await be.read(train.mu)).subarray(0, 10)));
    expect(() => BetaVAE.build(be, { ...BURGESS_CONFIG, latents: 5 }, 1, train)).toThrow(/same configuration/);
  });
});
