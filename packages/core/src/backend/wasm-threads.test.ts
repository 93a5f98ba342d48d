// The threaded WASM backend against the single-threaded one: every op at the Burgess model's
// layer shapes and at odd ones (batches 1, 3, 5, 64), split over 2 and 3 threads, equal to
// one thread within the project tolerance and identical from run to run; the shared op
// suite on 2 threads; and five training steps on 2 threads giving the losses of one.
import { afterAll, describe, expect, it } from "vitest";
import { compare } from "../compare";
import { BURGESS_CONFIG } from "../model/config";
import { type OpCase, convCase, defineOpSuite, evaluate } from "../testing/op-suite";
import { SquaresSource } from "../testing/squares-source";
import { DEFAULT_OPTIMISER, type StepMetrics, Trainer, type TrainingConfig } from "../train/trainer";
import { type Conv2dParams, type DenseShape, conv2dShape, conv2dTransposeShape } from "./shapes";
import { WasmBackend } from "./wasm";

const RTOL = 1e-5;

// Every op that can be split is split, however small, so small shapes reach the threaded paths.
defineOpSuite("wasm, 2 threads", () => WasmBackend.create({ threads: 2, splitSmallOps: true }));

function denseCase(s: DenseShape): OpCase {
  const { batch: n, inFeatures: k, outFeatures: m } = s;
  return {
    name: `dense ${n}×${k}·${k}×${m}`,
    inputs: { x: n * k, w: k * m, b: m, dy: n * m },
    outputs: { y: [n * m, k], yNoBias: [n * m, k], dx: [n * k, m], dw: [k * m, n] },
    run(be, b) {
      be.denseForward(b.y, b.x, b.w, b.b, s);
      be.denseForward(b.yNoBias, b.x, b.w, null, s);
      be.denseBackwardData(b.dx, b.dy, b.w, s);
      be.denseBackwardWeights(b.dw, b.dy, b.x, s);
    },
  };
}

function elementwiseCase(count: number): OpCase {
  return {
    name: `elementwise, sum of squares and Adam ×3 on ${count}`,
    inputs: { x: [count, -3, 3], dy: count, params: count, g: [count, -2, 2], m: [count, -0.1, 0.1], v: [count, 0, 0.01] },
    outputs: {
      y: [count, 1], dx: [count, 1], inPlace: [count, 1], clamped: [count, 1], dClamped: [count, 1], sum: [count, 1],
      sumSq: [1, count], params: [count, 1], m: [count, 1], v: [count, 1],
    },
    run(be, b) {
      be.reluForward(b.y, b.x, count);
      be.reluBackward(b.dx, b.dy, b.y, count);
      be.reluForward(b.inPlace, b.x, count);
      be.reluBackward(b.inPlace, b.inPlace, b.y, count);
      be.clampForward(b.clamped, b.x, count, -1.5, 2);
      be.clampBackward(b.dClamped, b.dy, b.x, count, -1.5, 2);
      be.add(b.sum, b.x, b.dy, count);
      be.sumSquares(b.sumSq, b.x, count);
      for (let step = 1; step <= 3; step++) be.adamUpdate(b.params, b.g, b.m, b.v, count, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step });
    },
  };
}

function lossCase(batch: number, pixels: number, latents: number): OpCase {
  const count = batch * pixels, codes = batch * latents;
  return {
    name: `losses, KL and reparameterisation ${batch}×${pixels} (${latents} latents)`,
    inputs: {
      logits: [count, -12, 12], targets: [count, 0, 1], mu: [codes, -3, 3], logvar: [codes, -6, 3], eps: codes, dz: codes,
      gmu: codes, glv: codes,
    },
    outputs: {
      bernoulli: [1, count], dlogits: [count, 1], gaussian: [1, count], dGaussian: [count, 1],
      total: [1, latents], perLatent: [latents, batch], z: [codes, 1], dmu: [codes, 1], dlogvar: [codes, 1], gmu: [codes, 1], glv: [codes, 1],
    },
    run(be, b) {
      be.bernoulliNllForward(b.bernoulli, b.logits, b.targets, batch, pixels);
      be.bernoulliNllBackward(b.dlogits, b.logits, b.targets, batch, pixels);
      be.gaussianNllForward(b.gaussian, b.logits, b.targets, batch, pixels, 0.3);
      be.gaussianNllBackward(b.dGaussian, b.logits, b.targets, batch, pixels, 0.3);
      be.klForward(b.total, b.perLatent, b.mu, b.logvar, batch, latents);
      be.reparamForward(b.z, b.mu, b.logvar, b.eps, codes);
      be.reparamBackward(b.dmu, b.dlogvar, b.dz, b.logvar, b.eps, codes);
      be.klBackward(b.gmu, b.glv, b.mu, b.logvar, batch, latents, 0.5, true);
    },
  };
}

const conv = (p: Partial<Conv2dParams> & Pick<Conv2dParams, "batch" | "inHeight" | "inWidth" | "inChannels" | "outChannels">): Conv2dParams =>
  ({ kernel: 4, stride: 2, pad: 1, ...p });

/** The Burgess model's layers (appendix A.1) at one batch size. */
function burgessCases(batch: number): OpCase[] {
  const c = BURGESS_CONFIG.convChannels, h = BURGESS_CONFIG.hidden, z = BURGESS_CONFIG.latents;
  return [
    convCase(conv2dShape(conv({ batch, inHeight: 64, inWidth: 64, inChannels: 1, outChannels: c })), false),
    convCase(conv2dShape(conv({ batch, inHeight: 32, inWidth: 32, inChannels: c, outChannels: c })), false),
    convCase(conv2dShape(conv({ batch, inHeight: 16, inWidth: 16, inChannels: c, outChannels: c })), false),
    convCase(conv2dShape(conv({ batch, inHeight: 8, inWidth: 8, inChannels: c, outChannels: c })), false),
    denseCase({ batch, inFeatures: 512, outFeatures: h }),
    denseCase({ batch, inFeatures: h, outFeatures: h }),
    denseCase({ batch, inFeatures: h, outFeatures: 2 * z }),
    denseCase({ batch, inFeatures: z, outFeatures: h }),
    denseCase({ batch, inFeatures: h, outFeatures: 512 }),
    convCase(conv2dTransposeShape(conv({ batch, inHeight: 4, inWidth: 4, inChannels: c, outChannels: c })), true),
    convCase(conv2dTransposeShape(conv({ batch, inHeight: 8, inWidth: 8, inChannels: c, outChannels: c })), true),
    convCase(conv2dTransposeShape(conv({ batch, inHeight: 16, inWidth: 16, inChannels: c, outChannels: c })), true),
    convCase(conv2dTransposeShape(conv({ batch, inHeight: 32, inWidth: 32, inChannels: c, outChannels: 1 })), true),
    lossCase(batch, 64 * 64, z),
  ];
}

const CASES: OpCase[] = [
  ...[1, 3, 5, 64].flatMap(burgessCases),
  convCase(conv2dShape(conv({ batch: 5, inHeight: 9, inWidth: 7, inChannels: 5, outChannels: 7 })), false),
  convCase(conv2dShape(conv({ batch: 3, inHeight: 6, inWidth: 5, inChannels: 4, outChannels: 3, kernel: 3, stride: 1, pad: 1 })), false),
  convCase(conv2dShape(conv({ batch: 5, inHeight: 11, inWidth: 10, inChannels: 3, outChannels: 4, kernel: 5, stride: 3, pad: 2 })), false),
  convCase(conv2dShape(conv({ batch: 3, inHeight: 9, inWidth: 8, inChannels: 32, outChannels: 1, kernel: 3, stride: 2, pad: 1 })), false),
  convCase(conv2dTransposeShape(conv({ batch: 5, inHeight: 3, inWidth: 3, inChannels: 7, outChannels: 9, kernel: 3, stride: 2, pad: 1 })), true),
  convCase(conv2dTransposeShape(conv({ batch: 3, inHeight: 5, inWidth: 7, inChannels: 1, outChannels: 8, kernel: 3, stride: 2, pad: 1 })), true),
  denseCase({ batch: 3, inFeatures: 70, outFeatures: 67 }),
  denseCase({ batch: 5, inFeatures: 513, outFeatures: 9 }),
  denseCase({ batch: 300, inFeatures: 17, outFeatures: 300 }),
  ...[1, 3, 17, 1027, 100003].map(elementwiseCase),
  lossCase(1, 1, 1),
  lossCase(3, 7, 10),
  lossCase(5, 13, 7),
];

describe("the threaded WASM backend equals one thread", () => {
  const backends = new Map<string, Promise<WasmBackend>>();
  const backend = (threads: number, splitSmallOps: boolean) => {
    const key = `${threads} ${splitSmallOps}`;
    let be = backends.get(key);
    if (!be) backends.set(key, (be = WasmBackend.create({ threads, splitSmallOps })));
    return be;
  };
  afterAll(async () => {
    for (const be of backends.values()) (await be).dispose();
  });
  const oneThread = new Map<OpCase, Promise<Record<string, Float32Array>>>();
  const expected = async (c: OpCase, seed: number) => {
    let result = oneThread.get(c);
    if (!result) oneThread.set(c, (result = backend(1, false).then((be) => evaluate(be, c, seed))));
    return result;
  };

  // Batch 64 (slow here) on 2 threads with every op split and on 3 with the default thresholds.
  for (const [threads, splitSmallOps, batch64] of [[2, true, true], [3, true, false], [3, false, true]] as const) {
    describe(`${threads} threads${splitSmallOps ? ", every op split" : ", ops split where it pays"}`, () => {
      CASES.forEach((c, i) => {
        if (!batch64 && / n64 |^dense 64×|64×4096/.test(c.name)) return;
        it(c.name, async () => {
          const one = await expected(c, 500 + i);
          const many = await backend(threads, splitSmallOps);
          const got = await evaluate(many, c, 500 + i);
          const again = await evaluate(many, c, 500 + i);
          for (const [name, [, terms]] of Object.entries(c.outputs)) {
            expect({ output: name, ...compare(got[name], one[name], terms, RTOL) }).toMatchObject({ output: name, pass: true });
            expect({ output: name, identical: Buffer.from(again[name].buffer).equals(Buffer.from(got[name].buffer)) })
              .toEqual({ output: name, identical: true });
          }
        });
      });
    });
  }
});

describe("training on threads", () => {
  const config: TrainingConfig = {
    model: BURGESS_CONFIG, objective: { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100 },
    optimiser: DEFAULT_OPTIMISER, batch: 16, seed: 7,
  };

  async function losses(threads: number): Promise<StepMetrics[]> {
    const be = await WasmBackend.create({ threads });
    try {
      const trainer = new Trainer(be, config, new SquaresSource(64, config.seed + 1));
      const steps: StepMetrics[] = [];
      for (let i = 0; i < 5; i++) steps.push(await trainer.trainStep());
      return steps;
    } finally {
      be.dispose();
    }
  }

  it("gives the losses of one thread over five steps of the Burgess model, 2 threads", async () => {
    const one = await losses(1), two = await losses(2);
    for (let i = 0; i < one.length; i++) {
      for (const key of ["loss", "recon", "kl", "gradNorm"] as const) {
        expect({ step: i + 1, key, rel: Math.abs(two[i][key] - one[i][key]) / Math.max(1e-3, Math.abs(one[i][key])) })
          .toSatisfy((r: { rel: number }) => r.rel <= 1e-4);
      }
      expect(compare(two[i].klPerLatent, one[i].klPerLatent, 1, 1e-4).pass).toBe(true);
    }
    expect(await losses(2)).toEqual(two);
  });
});

describe("threaded backend lifecycle", () => {
  it("records its thread count, keeps buffers across memory growth, and refuses ops once disposed", async () => {
    const be = await WasmBackend.create({ threads: 2, splitSmallOps: true, initialBytes: 1 << 20 });
    expect(be.threads).toBe(2);
    const small = be.alloc(1000);
    be.write(small, Array.from({ length: 1000 }, (_, i) => i - 500));
    const big = be.alloc(3 << 20); // 12 MiB: the shared memory grows in place
    be.reluForward(big, be.subBuffer(big, 0, 1000), 1000);
    be.reluForward(small, small, 1000);
    expect((await be.read(small))[999]).toBe(499);
    expect((await be.read(small))[0]).toBe(0);
    be.dispose();
    expect(() => be.reluForward(small, small, 1000)).toThrow(/threads have been stopped/);
  });

  it("rejects a thread count that is not a positive integer", async () => {
    await expect(WasmBackend.create({ threads: 0 })).rejects.toThrow("threads must be a positive integer, got 0");
    await expect(WasmBackend.create({ threads: 1.5 })).rejects.toThrow("threads must be a positive integer, got 1.5");
  });
});
