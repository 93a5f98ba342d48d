// FactorVAE: the discriminator's gradients and the TC term's gradient into z against finite
// differences (float64 reference, a small discriminator), the discriminator telling correlated
// codes from permuted ones on a toy case, and training, checkpoints and bitwise resume through
// the Trainer.
import { describe, expect, it } from "vitest";
import { ReferenceBackend, type ReferenceBuffer } from "../../backend/reference";
import { WasmBackend } from "../../backend/wasm";
import type { ModelConfig } from "../../model/config";
import { Discriminator, type DiscriminatorShape } from "../../model/discriminator";
import { BetaVAE, type LatentCode } from "../../model/vae";
import { Rng } from "../../rng";
import { checkResume, squaresTrainer } from "../../testing/resume-check";
import { DEFAULT_OPTIMISER, type StepMetrics, type TrainingConfig } from "../trainer";
import { FACTORVAE_SLOPE, discriminatorLoss, factorVaeKind, factorVaeRun, permuteLatents } from "./factorvae";
import { describeObjective, registerObjective, validateObjective } from "./index";

/** FactorVAE with a small discriminator, so that the Trainer's tests run in moments. */
interface SmallFactorVae {
  kind: "factorvae-small";
  gamma: number;
}
declare module "./index" {
  interface ObjectiveKinds {
    "factorvae-small": SmallFactorVae;
  }
}
const SMALL_DISCRIMINATOR: DiscriminatorShape = { layers: 2, hidden: 16 };
registerObjective(factorVaeKind("factorvae-small", SMALL_DISCRIMINATOR));

const H = 1e-5;

/** max |analytic − numeric| / max |numeric| over `count` values of `values`, by central differences of `loss`. */
function worstError(values: Float64Array | Float32Array, count: number, analytic: ArrayLike<number>, loss: () => number): number {
  let worst = 0, largest = 0;
  for (let i = 0; i < count; i++) {
    const saved = values[i];
    values[i] = saved + H;
    const up = loss();
    values[i] = saved - H;
    const down = loss();
    values[i] = saved;
    worst = Math.max(worst, Math.abs((up - down) / (2 * H) - analytic[i]));
    largest = Math.max(largest, Math.abs(analytic[i]));
  }
  expect(largest).toBeGreaterThan(1e-3);
  return worst / largest;
}

describe("the discriminator's loss", () => {
  it("is log 2 at even odds, and its gradient on the logits matches finite differences, none where the probability is clipped", () => {
    const B = 3;
    const grad = new Float64Array(4 * B);
    expect(discriminatorLoss(new Float64Array(4 * B), B, grad)).toEqual({ loss: Math.log(2), accuracy: 0, tc: 0 });
    const rng = new Rng(1);
    const logits = Float64Array.from({ length: 4 * B }, () => rng.uniform(-2, 2));
    [logits[0], logits[1]] = [20, 0]; // p₀ = 1 − 2e-9: clipped at 1 − 1e-6
    const r = discriminatorLoss(logits, B, grad);
    expect([grad[0], grad[1]]).toEqual([0, 0]);
    expect(r.tc).toBeCloseTo((20 + (logits[2] - logits[3]) + (logits[4] - logits[5])) / B, 12);
    const analytic = Float64Array.from(grad);
    const scratch = new Float64Array(4 * B);
    expect(worstError(logits, 4 * B, analytic, () => discriminatorLoss(logits, B, scratch).loss)).toBeLessThan(1e-8);
    // the clipped row's loss is ½·(−log(1 − 1e-6))/B whatever its logits
    logits[0] = 30;
    expect(discriminatorLoss(logits, B, scratch).loss).toBeCloseTo(r.loss, 12);
  });

  it("permutes each latent across the batch on its own", () => {
    const [B, L] = [64, 3];
    const z = Float32Array.from({ length: B * L }, (_, k) => k);
    const out = new Float32Array(B * L);
    permuteLatents(out, z, B, L, new Rng(7));
    const column = (a: Float32Array, j: number) => Array.from({ length: B }, (_, i) => a[i * L + j]);
    for (let j = 0; j < L; j++) expect(column(out, j).sort((a, b) => a - b)).toEqual(column(z, j));
    const rows = (j: number) => column(out, j).map((v) => (v - j) / L);
    expect(rows(0)).not.toEqual(rows(1));
    expect(rows(1)).not.toEqual(rows(2));
    const again = new Float32Array(B * L);
    permuteLatents(again, z, B, L, new Rng(7));
    expect(again).toEqual(out);
  });
});

describe("the discriminator (float64 reference)", () => {
  const be = new ReferenceBackend("f64");
  const view = (b: unknown) => be.view(b as ReferenceBuffer);
  const [L, rows] = [3, 8];
  const d = new Discriminator(be, L, rows, { layers: 3, hidden: 5 }, FACTORVAE_SLOPE, "discriminator");
  const rng = new Rng(3);
  d.initialise(rng);
  // non-zero biases, so that no pre-activation sits on the leaky ReLU's kink
  for (const slot of d.parameters.slots) if (slot.shape.length === 1) for (let i = 0; i < slot.size; i++) view(d.parameters.values)[slot.offset + i] = rng.uniform(-0.3, 0.3);
  view(d.input).set(Float64Array.from({ length: rows * L }, () => rng.normal()));
  const logits = () => {
    d.forward(rows);
    return view(d.logits);
  };

  it("names its tensors as disentanglement_lib's fc_discriminator, in PyTorch's Linear layout", () => {
    expect(d.parameters.slots.map((s) => `${s.name} [${s.torch.torchShape}]`)).toEqual([
      "discriminator.d1.weight [5,3]", "discriminator.d1.bias [5]", "discriminator.d2.weight [5,5]", "discriminator.d2.bias [5]",
      "discriminator.d3.weight [5,5]", "discriminator.d3.bias [5]", "discriminator.logits.weight [2,5]", "discriminator.logits.bias [2]",
    ]);
  });

  it("gets its parameters' gradients of its loss right", () => {
    const grad = new Float64Array(2 * rows);
    discriminatorLoss(logits(), rows / 2, grad);
    be.write(d.dLogits, grad);
    d.backward(rows);
    const analytic = Float64Array.from(view(d.parameters.grads));
    const scratch = new Float64Array(2 * rows);
    const values = view(d.parameters.values) as Float64Array;
    expect(worstError(values, d.parameters.size, analytic, () => discriminatorLoss(logits(), rows / 2, scratch).loss)).toBeLessThan(1e-7);
  });

  it("gets the gradient of its logits into its input right, on a leading part of the rows, leaving its parameters' gradients alone", () => {
    const n = 5;
    const weights = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const before = Float64Array.from(view(d.parameters.grads));
    logits();
    be.write(d.dLogits, weights);
    d.backwardInput(n);
    expect(Float64Array.from(view(d.parameters.grads))).toEqual(before);
    const analytic = Float64Array.from(view(d.dInput)).subarray(0, n * L);
    const input = view(d.input) as Float64Array;
    const loss = () => {
      d.forward(n);
      return weights.reduce((sum, w, i) => sum + w * view(d.logits)[i], 0);
    };
    expect(worstError(input, n * L, analytic, loss)).toBeLessThan(1e-7);
  });
});

const MODEL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 };
const SMALL: SmallFactorVae = { kind: "factorvae-small", gamma: 10 };
const CONFIG: TrainingConfig = { model: MODEL, objective: SMALL, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3 };

describe("FactorVAE's gradient into the model", () => {
  it("adds γ·d TC/dz to dz, as finite differences of the TC estimate give it (float64 reference)", async () => {
    const be = new ReferenceBackend("f64");
    const view = (b: unknown) => be.view(b as ReferenceBuffer);
    const model = BetaVAE.build(be, { ...MODEL, convChannels: 2, hidden: 3 }, 3);
    const rng = new Rng(11);
    model.initialise(rng);
    be.write(model.input, new Float32Array(model.input.length).map(() => (rng.next() < 0.3 ? 1 : 0)));
    const eps = new Float32Array(model.eps.length);
    rng.fillNormal(eps);
    be.write(model.eps, eps);
    const gamma = 7;
    const run = factorVaeRun<SmallFactorVae>(model, 5, { layers: 2, hidden: 6 });
    model.forward();
    const [recon, kl] = [view(model.recon)[0], view(model.klTotal)[0]];
    const report = await run.evaluate({ ...SMALL, gamma }, { step: 0, recon, kl, klPerLatent: new Float32Array(4) });
    expect(report.loss).toBeCloseTo(recon + kl + gamma * report.terms.tc, 10);
    expect(report.terms.gammaTc).toBeCloseTo(gamma * report.terms.tc, 12);
    model.backwardDecoder();
    const decoderDz = Float64Array.from(view(model.dz));
    await run.addSampleGradient!();
    const added = Float64Array.from(view(model.dz), (v, i) => v - decoderDz[i]);
    // TC(z) = mean over the batch of logit₀ − logit₁, through the run's own discriminator
    const [B, L] = [model.batch, model.latents];
    const d = new Discriminator(be, L, B, { layers: 2, hidden: 6 }, FACTORVAE_SLOPE, "discriminator", run.parameters![0]);
    const z = Float64Array.from(view(model.z));
    const tc = () => {
      view(d.input).set(z);
      d.forward(B);
      let sum = 0;
      for (let i = 0; i < B; i++) sum += view(d.logits)[2 * i] - view(d.logits)[2 * i + 1];
      return (gamma * sum) / B;
    };
    expect(tc()).toBeCloseTo(report.terms.gammaTc, 5); // the run read z at float32
    expect(worstError(z, B * L, added, tc)).toBeLessThan(1e-6);
  });
});

describe("FactorVAE's discriminator on a toy case", () => {
  /** Discriminator accuracy over the last 50 of 800 updates on codes drawn by `draw` (latents 4, batch 64). */
  async function accuracy(draw: (rng: Rng, z: Float32Array) => void): Promise<number> {
    const be = await WasmBackend.create();
    const [B, L] = [64, 4];
    const buffer = () => be.alloc(B * L);
    const code: LatentCode = { backend: be, batch: B, latents: L, mu: buffer(), logvar: buffer(), eps: buffer(), z: buffer(), dz: buffer(), dmu: buffer(), dlogvar: buffer() };
    const run = factorVaeRun<SmallFactorVae>(code, 1, { layers: 2, hidden: 64 });
    const rng = new Rng(2);
    const z = new Float32Array(B * L);
    let sum = 0;
    for (let step = 0; step < 800; step++) {
      draw(rng, z);
      be.write(code.z, z);
      const r = await run.evaluate(SMALL, { step, recon: 0, kl: 0, klPerLatent: new Float32Array(L) });
      if (step >= 750) sum += r.terms.discriminatorAccuracy;
      await run.update!();
    }
    return sum / 50;
  }

  it("tells codes with z₀ = z₁ from their permutations, and cannot tell independent ones", async () => {
    const correlated = await accuracy((rng, z) => {
      rng.fillNormal(z);
      for (let i = 0; i < 64; i++) z[i * 4 + 1] = z[i * 4];
    });
    const independent = await accuracy((rng, z) => rng.fillNormal(z));
    expect(correlated).toBeGreaterThan(0.75);
    expect(Math.abs(independent - 0.5)).toBeLessThan(0.05);
  });
});

describe("FactorVAE through the Trainer", () => {
  it("validates and describes", () => {
    expect(describeObjective({ kind: "factorvae", gamma: 10 })).toBe("FactorVAE, γ = 10");
    expect(() => validateObjective({ kind: "factorvae", gamma: -1 })).toThrow("gamma must be a non-negative number, got -1");
  });

  it("round-trips a checkpoint with the discriminator's tensors and Adam moments, and resumes bitwise (one thread)", async () => {
    const { straight, resumed: resumedMetrics, sameState, stored, checkpoint, resumedTrainer: resumed } = await checkResume(CONFIG, 6, 3);
    expect(resumedMetrics).toEqual(straight);
    expect(sameState).toBe(true);
    expect(stored).toEqual(CONFIG.objective);
    for (const prefix of ["", "optimizer.m.", "optimizer.v."]) {
      expect(checkpoint.tensors.get(`${prefix}discriminator.d1.weight`)?.shape).toEqual([16, 4]);
      expect(checkpoint.tensors.get(`${prefix}discriminator.logits.bias`)?.shape).toEqual([2]);
    }
    expect(Object.keys((await resumed.trainStep()).terms)).toEqual(["gammaTc", "tc", "discriminatorLoss", "discriminatorAccuracy"]);
  });

  it("trains with disentanglement_lib's discriminator (6 × 1000) at one and two threads, which agree", async () => {
    const config: TrainingConfig = { ...CONFIG, objective: { kind: "factorvae", gamma: 10 } };
    const runs: StepMetrics[][] = [];
    for (const threads of [1, 2]) {
      const t = await squaresTrainer(config, await WasmBackend.create({ threads }));
      expect(t.parameterArenas[1].count).toBe(4 * 1000 + 1000 + 5 * (1000 * 1000 + 1000) + 1000 * 2 + 2);
      const before = await t.backend.read(t.parameterArenas[1].values);
      const metrics = [];
      for (let i = 0; i < 3; i++) metrics.push(await t.trainStep());
      const after = await t.backend.read(t.parameterArenas[1].values);
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      runs.push(metrics);
      t.backend.dispose();
    }
    for (const m of runs[0]) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.loss).toBeCloseTo(m.recon + m.kl + m.terms.gammaTc, 3);
      expect(m.terms.discriminatorLoss).toBeGreaterThan(0);
    }
    runs[0].forEach((m, i) => {
      for (const key of ["loss", "recon", "kl"] as const) expect(Math.abs(runs[1][i][key] - m[key])).toBeLessThan(1e-3 * Math.abs(m[key]) + 1e-4);
      expect(Math.abs(runs[1][i].terms.tc - m.terms.tc)).toBeLessThan(1e-3);
    });
  }, 120_000);
});
