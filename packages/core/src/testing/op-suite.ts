// The one op test suite every backend runs: the shared golden vectors, then random shapes
// (tails that are not multiples of the SIMD width, batches 1, 3 and 64) against the
// reference backend in float64, then the shape checks. Tolerances are those of
// compare.ts: rtol 1e-5, widened by √terms for sums of many products.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Backend, DeviceBuffer } from "../backend/backend";
import { OPS } from "../backend/ops/index";
import { ReferenceBackend } from "../backend/reference";
import { type Conv2dParams, type Conv2dShape, type DenseShape, conv2dShape, conv2dSizes, conv2dTransposeShape } from "../backend/shapes";
import { compare } from "../compare";
import { runFixture } from "../fixtures";
import { goldenVectorsDir } from "./fixtures-dir";
import { Rng } from "../rng";

const RTOL = 1e-5;
const ORACLE = new ReferenceBackend("f64");

/** An input: its length, or [length, lo, hi] for values uniform in [lo, hi). */
export type InputSpec = number | [number, number, number];

export interface OpCase {
  name: string;
  inputs: Record<string, InputSpec>;
  /** output name → [length, terms summed per element]; a name also in inputs is updated in place */
  outputs: Record<string, [number, number]>;
  run(be: Backend, b: Record<string, DeviceBuffer>): void;
}

export async function evaluate(be: Backend, c: OpCase, seed: number): Promise<Record<string, Float32Array>> {
  const rng = new Rng(seed);
  const bufs: Record<string, DeviceBuffer> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const [length, lo, hi] = typeof spec === "number" ? [spec, -1, 1] : spec;
    const values = new Float32Array(length);
    rng.fillUniform(values, lo, hi);
    bufs[name] = be.alloc(length);
    be.write(bufs[name], values);
  }
  for (const [name, [length]] of Object.entries(c.outputs)) bufs[name] ??= be.alloc(length);
  c.run(be, bufs);
  const out: Record<string, Float32Array> = {};
  for (const name of Object.keys(c.outputs)) out[name] = await be.read(bufs[name]);
  return out;
}

/** Runs `c` on `be` and on the float64 reference from the same seed; every output must agree within compare's tolerance. */
export async function expectMatchesReference(be: Backend, c: OpCase, seed: number): Promise<void> {
  const [got, want] = await Promise.all([evaluate(be, c, seed), evaluate(ORACLE, c, seed)]);
  for (const [name, [, terms]] of Object.entries(c.outputs)) {
    expect({ output: name, ...compare(got[name], want[name], terms, RTOL) }).toMatchObject({ output: name, pass: true });
  }
}

export function denseCase(s: DenseShape): OpCase {
  const { batch: n, inFeatures: k, outFeatures: m } = s;
  return {
    name: `dense ${n}×${k}·${k}×${m}`,
    inputs: { x: n * k, w: k * m, b: m, dy: n * m },
    outputs: { y: [n * m, k], dx: [n * k, m], dw: [k * m, n], db: [m, n] },
    run(be, b) {
      be.denseForward(b.y, b.x, b.w, b.b, s);
      be.denseBackwardData(b.dx, b.dy, b.w, s);
      be.denseBackwardWeights(b.dw, b.dy, b.x, s);
      be.biasGrad(b.db, b.dy, n, m);
    },
  };
}

export function convCase(s: Conv2dShape, transposed: boolean): OpCase {
  const size = conv2dSizes(s);
  const taps = s.kernelHeight * s.kernelWidth;
  const inPixels = s.batch * s.inHeight * s.inWidth, outPixels = s.batch * s.outHeight * s.outWidth;
  const kind = transposed ? "conv2dTranspose" : "conv2d";
  return {
    name: `${kind} n${s.batch} ${s.inHeight}×${s.inWidth}×${s.inChannels} → ${s.outHeight}×${s.outWidth}×${s.outChannels} `
      + `k${s.kernelHeight}×${s.kernelWidth} s${s.stride} p${s.pad}`,
    inputs: { x: size.input, f: size.filter, dy: size.output, bias: s.outChannels },
    outputs: {
      y: [size.output, taps * s.inChannels],
      dx: [size.input, taps * s.outChannels],
      df: [size.filter, transposed ? inPixels : outPixels],
      db: [s.outChannels, outPixels],
    },
    run(be, b) {
      if (transposed) {
        be.conv2dTransposeForward(b.y, b.x, b.f, s);
        be.conv2dTransposeBackwardData(b.dx, b.dy, b.f, s);
        be.conv2dTransposeBackwardFilter(b.df, b.dy, b.x, s);
      } else {
        be.conv2dForward(b.y, b.x, b.f, s);
        be.conv2dBackwardData(b.dx, b.dy, b.f, s);
        be.conv2dBackwardFilter(b.df, b.dy, b.x, s);
      }
      be.biasAdd(b.y, b.bias, outPixels, s.outChannels);
      be.biasGrad(b.db, b.dy, outPixels, s.outChannels);
    },
  };
}

const conv = (p: Partial<Conv2dParams> & Pick<Conv2dParams, "batch" | "inHeight" | "inWidth" | "inChannels" | "outChannels">): Conv2dParams =>
  ({ kernel: 4, stride: 2, pad: 1, ...p });

export const DENSE_CASES: DenseShape[] = [
  { batch: 1, inFeatures: 1, outFeatures: 1 },
  { batch: 3, inFeatures: 5, outFeatures: 7 },
  { batch: 2, inFeatures: 33, outFeatures: 13 },
  { batch: 64, inFeatures: 256, outFeatures: 20 },
  { batch: 64, inFeatures: 10, outFeatures: 256 },
  { batch: 5, inFeatures: 512, outFeatures: 9 },
  // batch < inFeatures and outFeatures ≥ 64: the backward-data GEMM takes its swapped path
  { batch: 3, inFeatures: 70, outFeatures: 67 },
  { batch: 64, inFeatures: 256, outFeatures: 256 },
];

export const CONV_CASES: Conv2dParams[] = [
  conv({ batch: 3, inHeight: 9, inWidth: 7, inChannels: 5, outChannels: 7 }),
  conv({ batch: 1, inHeight: 64, inWidth: 64, inChannels: 1, outChannels: 32 }),
  conv({ batch: 2, inHeight: 16, inWidth: 16, inChannels: 32, outChannels: 32 }),
  conv({ batch: 64, inHeight: 8, inWidth: 8, inChannels: 3, outChannels: 9 }),
  conv({ batch: 3, inHeight: 6, inWidth: 5, inChannels: 4, outChannels: 3, kernel: 3, stride: 1, pad: 1 }),
  conv({ batch: 2, inHeight: 7, inWidth: 7, inChannels: 2, outChannels: 6, pad: 0 }),
  conv({ batch: 1, inHeight: 11, inWidth: 10, inChannels: 3, outChannels: 4, kernel: 5, stride: 3, pad: 2 }),
  conv({ batch: 2, inHeight: 5, inWidth: 6, inChannels: 12, outChannels: 17, kernel: 1, stride: 1, pad: 0 }),
  conv({ batch: 1, inHeight: 9, inWidth: 9, inChannels: 2, outChannels: 3, kernel: [3, 4], stride: 2, pad: 1 }),
  // One input channel (the encoder's first conv; conv_narrow.ts): Burgess's shape, then odd ones.
  conv({ batch: 3, inHeight: 64, inWidth: 64, inChannels: 1, outChannels: 32 }),
  conv({ batch: 3, inHeight: 5, inWidth: 7, inChannels: 1, outChannels: 1, kernel: 3, stride: 1, pad: 1 }),
  conv({ batch: 1, inHeight: 5, inWidth: 7, inChannels: 1, outChannels: 3, pad: 2 }),
  conv({ batch: 3, inHeight: 7, inWidth: 5, inChannels: 1, outChannels: 8, kernel: 3, stride: 2, pad: 0 }),
  conv({ batch: 1, inHeight: 6, inWidth: 7, inChannels: 1, outChannels: 32, stride: 1, pad: 2 }),
  conv({ batch: 3, inHeight: 9, inWidth: 6, inChannels: 2, outChannels: 5, kernel: 3, stride: 1, pad: 0 }),
  conv({ batch: 3, inHeight: 8, inWidth: 7, inChannels: 12, outChannels: 9 }),
  // One output channel.
  conv({ batch: 3, inHeight: 5, inWidth: 7, inChannels: 5, outChannels: 1, stride: 1, pad: 2 }),
  conv({ batch: 1, inHeight: 9, inWidth: 8, inChannels: 32, outChannels: 1, kernel: 3, stride: 2, pad: 1 }),
  conv({ batch: 1, inHeight: 64, inWidth: 64, inChannels: 32, outChannels: 1, pad: 0 }),
];

export const CONV_TRANSPOSE_CASES: Conv2dParams[] = [
  conv({ batch: 3, inHeight: 4, inWidth: 4, inChannels: 6, outChannels: 5 }),
  conv({ batch: 2, inHeight: 8, inWidth: 8, inChannels: 32, outChannels: 32 }),
  conv({ batch: 1, inHeight: 32, inWidth: 32, inChannels: 32, outChannels: 1 }),
  conv({ batch: 64, inHeight: 2, inWidth: 2, inChannels: 10, outChannels: 3 }),
  conv({ batch: 2, inHeight: 5, inWidth: 4, inChannels: 3, outChannels: 2, kernel: 3, stride: 1, pad: 1 }),
  conv({ batch: 1, inHeight: 4, inWidth: 3, inChannels: 5, outChannels: 4, pad: 0 }),
  conv({ batch: 2, inHeight: 3, inWidth: 3, inChannels: 7, outChannels: 9, kernel: 3, stride: 2, pad: 1 }),
  // One output channel (the decoder's last transposed conv; conv_narrow.ts): Burgess's shape, then odd ones.
  conv({ batch: 3, inHeight: 32, inWidth: 32, inChannels: 32, outChannels: 1 }),
  conv({ batch: 1, inHeight: 5, inWidth: 7, inChannels: 5, outChannels: 1, kernel: 3, stride: 1, pad: 1 }),
  conv({ batch: 3, inHeight: 4, inWidth: 3, inChannels: 1, outChannels: 1, pad: 0 }),
  conv({ batch: 1, inHeight: 3, inWidth: 4, inChannels: 3, outChannels: 1, pad: 2 }),
  conv({ batch: 3, inHeight: 7, inWidth: 5, inChannels: 8, outChannels: 1, kernel: 3, stride: 1, pad: 0 }),
  conv({ batch: 1, inHeight: 5, inWidth: 7, inChannels: 32, outChannels: 1, kernel: 3, stride: 2, pad: 2 }),
  conv({ batch: 3, inHeight: 5, inWidth: 4, inChannels: 9, outChannels: 3, stride: 1, pad: 1 }),
  // One input channel.
  conv({ batch: 3, inHeight: 5, inWidth: 7, inChannels: 1, outChannels: 8, kernel: 3, stride: 2, pad: 1 }),
  conv({ batch: 1, inHeight: 32, inWidth: 32, inChannels: 1, outChannels: 32 }),
];

const COUNTS = [1, 3, 7, 640, 1027];

function elementwiseCases(): OpCase[] {
  const cases: OpCase[] = [];
  for (const count of COUNTS) {
    cases.push({
      name: `relu ${count}`,
      inputs: { x: count, dy: count },
      outputs: { y: [count, 1], dx: [count, 1], inPlace: [count, 1] },
      run(be, b) {
        be.reluForward(b.y, b.x, count);
        be.reluBackward(b.dx, b.dy, b.y, count);
        be.reluForward(b.inPlace, b.x, count);
        be.reluBackward(b.inPlace, b.inPlace, b.y, count);
      },
    });
    cases.push({
      name: `leaky relu ${count}`,
      inputs: { x: count, dy: count },
      outputs: { y: [count, 1], dx: [count, 1], inPlace: [count, 1] },
      run(be, b) {
        be.leakyReluForward(b.y, b.x, count, 0.2);
        be.leakyReluBackward(b.dx, b.dy, b.y, count, 0.2);
        be.leakyReluForward(b.inPlace, b.x, count, 0.2);
        be.leakyReluBackward(b.inPlace, b.inPlace, b.y, count, 0.2);
      },
    });
    cases.push({
      name: `clamp ${count}`,
      inputs: { x: [count, -3, 3], dy: count },
      outputs: { y: [count, 1], dx: [count, 1], sumSq: [1, count], sum: [count, 1] },
      run(be, b) {
        be.add(b.sum, b.x, b.dy, count);
        be.clampForward(b.y, b.x, count, -1.5, 2);
        be.clampBackward(b.dx, b.dy, b.x, count, -1.5, 2);
        be.sumSquares(b.sumSq, b.x, count);
      },
    });
    cases.push({
      name: `sub-buffers ${count}`,
      inputs: { arena: [3 * count + 5, -1, 1] },
      outputs: { arena: [3 * count + 5, 1] },
      run(be, b) {
        // relu of the middle third written over the last third; the rest untouched
        be.reluForward(be.subBuffer(b.arena, 2 * count + 5, count), be.subBuffer(b.arena, count + 5, count), count);
      },
    });
    cases.push({
      name: `reparameterisation ${count}`,
      inputs: { mu: count, logvar: [count, -4, 2], eps: count, dz: count },
      outputs: { z: [count, 1], dmu: [count, 1], dlogvar: [count, 1] },
      run(be, b) {
        be.reparamForward(b.z, b.mu, b.logvar, b.eps, count);
        be.reparamBackward(b.dmu, b.dlogvar, b.dz, b.logvar, b.eps, count);
      },
    });
    cases.push({
      name: `adam ×3 ${count}`,
      inputs: { params: count, g: [count, -2, 2], m: [count, -0.1, 0.1], v: [count, 0, 0.01] },
      outputs: { params: [count, 1], m: [count, 1], v: [count, 1] },
      run(be, b) {
        for (let step = 1; step <= 3; step++) be.adamUpdate(b.params, b.g, b.m, b.v, count, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step });
      },
    });
  }
  for (const [rows, channels] of [[1, 1], [7, 3], [130, 32], [4096, 1], [9, 5]]) {
    const count = rows * channels;
    cases.push({
      name: `bias + ReLU ${rows}×${channels}`,
      inputs: { y: count, b: channels, dy: count },
      outputs: { y: [count, 1], dy: [count, 1], db: [channels, rows] },
      run(be, b) {
        be.biasAddRelu(b.y, b.b, rows, channels);
        be.reluBackwardBiasGrad(b.db, b.dy, b.y, rows, channels);
      },
    });
  }
  // logits far into exp's underflow, and within a hair of 0 (where log1p needs its correction)
  for (const [lo, hi] of [[-95, 95], [-1e-3, 1e-3]]) {
    cases.push({
      name: `bernoulli nll logits in [${lo}, ${hi}]`,
      inputs: { logits: [4099, lo, hi], targets: [4099, 0, 1] },
      outputs: { loss: [1, 1], dlogits: [4099, 1] },
      run(be, b) {
        be.bernoulliNllForwardBackward(b.loss, b.dlogits, b.logits, b.targets, 1, 4099);
      },
    });
  }
  for (const [batch, pixels] of [[1, 1], [3, 7], [2, 4096], [64, 13]]) {
    const count = batch * pixels;
    cases.push({
      name: `bernoulli nll ${batch}×${pixels}`,
      inputs: { logits: [count, -12, 12], targets: [count, 0, 1] },
      outputs: { loss: [1, 1], dlogits: [count, 1], fusedLoss: [1, 1], fusedDlogits: [count, 1] },
      run(be, b) {
        be.bernoulliNllForward(b.loss, b.logits, b.targets, batch, pixels);
        be.bernoulliNllBackward(b.dlogits, b.logits, b.targets, batch, pixels);
        be.bernoulliNllForwardBackward(b.fusedLoss, b.fusedDlogits, b.logits, b.targets, batch, pixels);
      },
    });
    cases.push({
      name: `gaussian nll ${batch}×${pixels}`,
      inputs: { x: [count, -2, 2], targets: [count, 0, 1] },
      outputs: { loss: [1, 1], dx: [count, 1] },
      run(be, b) {
        be.gaussianNllForward(b.loss, b.x, b.targets, batch, pixels, 0.3);
        be.gaussianNllBackward(b.dx, b.x, b.targets, batch, pixels, 0.3);
      },
    });
  }
  for (const [batch, latents] of [[1, 1], [3, 10], [64, 10], [5, 7]]) {
    const count = batch * latents;
    cases.push({
      name: `kl ${batch}×${latents}`,
      inputs: { mu: [count, -3, 3], logvar: [count, -6, 3], gmu: count, glv: count },
      outputs: { total: [1, 1], perLatent: [latents, 1], dmu: [count, 1], dlogvar: [count, 1], gmu: [count, 1], glv: [count, 1] },
      run(be, b) {
        be.klForward(b.total, b.perLatent, b.mu, b.logvar, batch, latents);
        be.klBackward(b.dmu, b.dlogvar, b.mu, b.logvar, batch, latents, 2.5, false);
        be.klBackward(b.gmu, b.glv, b.mu, b.logvar, batch, latents, 0.5, true);
      },
    });
  }
  return cases;
}

/** The names of the ops that `cases` call: each case runs on a stand-in that only records them. */
function opsRunBy(cases: OpCase[]): Set<string> {
  const names = new Set<string>();
  const buffer: DeviceBuffer = { length: 0 };
  const recorder = new Proxy({}, {
    get: (_, name) => () => {
      names.add(String(name));
      return buffer;
    },
  }) as Backend;
  const buffers = new Proxy({}, { get: () => buffer }) as Record<string, DeviceBuffer>;
  for (const c of cases) c.run(recorder, buffers);
  names.delete("subBuffer");
  return names;
}

/** Registers the whole suite for one backend. `create` is called once per test file. */
export function defineOpSuite(label: string, create: () => Promise<Backend>): void {
  describe(`ops on ${label}`, () => {
    let be: Backend;
    const backend = async () => (be ??= await create());

    describe("golden vectors (packages/core/fixtures/ops)", () => {
      const dir = goldenVectorsDir();
      const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
      it("finds the fixture files", () => expect(files.length).toBeGreaterThan(10));
      for (const file of files) {
        it(file, async () => {
          const checks = await runFixture(await backend(), JSON.parse(readFileSync(join(dir, file), "utf8")));
          expect(checks.length).toBeGreaterThan(0);
          for (const c of checks) expect({ output: c.output, pass: c.pass, worst: c.worst }).toMatchObject({ output: c.output, pass: true });
        });
      }
    });

    const cases: OpCase[] = [
      ...DENSE_CASES.map(denseCase),
      ...CONV_CASES.map((p) => convCase(conv2dShape(p), false)),
      ...CONV_TRANSPOSE_CASES.map((p) => convCase(conv2dTransposeShape(p), true)),
      ...elementwiseCases(),
    ];
    describe("random shapes against the float64 reference", () => {
      it("has a case for every op of OPS", () => {
        expect([...opsRunBy(cases)].sort()).toEqual(OPS.map((op) => op.name).sort());
      });
      cases.forEach((c, i) => {
        it(c.name, async () => {
          await expectMatchesReference(await backend(), c, 1000 + i);
        });
      });
    });

    describe("shape checks", () => {
      it("rejects a buffer too small for the shape, naming it", async () => {
        const b = await backend();
        const s = { batch: 2, inFeatures: 3, outFeatures: 4 };
        expect(() => b.denseForward(b.alloc(7), b.alloc(6), b.alloc(12), null, s)).toThrow("denseForward: y holds 7 floats, needs 8");
      });
      it("rejects a conv whose output size does not follow from its input", async () => {
        const b = await backend();
        const s = { ...conv2dShape(CONV_CASES[0]), outHeight: 5 };
        const n = conv2dSizes(s);
        expect(() => b.conv2dForward(b.alloc(n.output), b.alloc(n.input), b.alloc(n.filter), s)).toThrow("conv2dForward: a 9×7 input with kernel 4×4, stride 2, pad 1 gives 4×3, not 5×3");
      });
      it("rejects a buffer of another backend", async () => {
        const b = await backend();
        expect(() => b.reluForward(ORACLE.alloc(4), b.alloc(4), 4)).toThrow(/not a buffer of the/);
      });
      it("rejects a sub-buffer that does not fit", async () => {
        const b = await backend();
        expect(() => b.subBuffer(b.alloc(10), 4, 7)).toThrow("subBuffer: [4, 11) does not fit a buffer of 10");
      });
      it("rejects non-integer and zero sizes", async () => {
        const b = await backend();
        expect(() => b.reluForward(b.alloc(4), b.alloc(4), 0)).toThrow("reluForward: count must be a positive integer, got 0");
        expect(() => b.bernoulliNllForward(b.alloc(1), b.alloc(4), b.alloc(4), 1.5, 2)).toThrow(/batch must be a positive integer/);
      });
      it("rejects a leaky ReLU slope below zero or not finite", async () => {
        const b = await backend();
        expect(() => b.leakyReluForward(b.alloc(4), b.alloc(4), 4, -0.2)).toThrow("leakyReluForward: slope must be a finite number ≥ 0, got -0.2");
        expect(() => b.leakyReluBackward(b.alloc(4), b.alloc(4), b.alloc(4), 4, NaN)).toThrow("leakyReluBackward: slope must be a finite number ≥ 0, got NaN");
      });
    });
  });
}
