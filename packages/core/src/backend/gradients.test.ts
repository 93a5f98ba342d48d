// Every backward op against central finite differences of its forward op, in float64 on
// the reference backend: for L = Σ r ⊙ forward(inputs) with a fixed random r, the
// backward op given dy = r must return dL/dinput.
import { describe, expect, it } from "vitest";
import { Rng } from "../rng";
import { ReferenceBackend, type ReferenceBuffer } from "./reference";
import { type Conv2dParams, type Conv2dShape, conv2dShape, conv2dSizes, conv2dTransposeShape } from "./shapes";

const be = new ReferenceBackend("f64");
const H = 1e-5;
const TOL = 1e-7;

function randomBuffer(rng: Rng, length: number, lo = -1, hi = 1): ReferenceBuffer {
  const buf = be.alloc(length);
  for (let i = 0; i < length; i++) buf.data[i] = lo + (hi - lo) * rng.next();
  return buf;
}

/** dL/d(input) by central differences, L = Σ weights ⊙ output after `forward()`. */
function numericGradient(input: ReferenceBuffer, output: ReferenceBuffer, weights: Float64Array | null, forward: () => void): Float64Array {
  const loss = () => {
    forward();
    let sum = 0;
    for (let i = 0; i < output.length; i++) sum += (weights ? weights[i] : 1) * output.data[i];
    return sum;
  };
  const grad = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const saved = input.data[i];
    input.data[i] = saved + H;
    const up = loss();
    input.data[i] = saved - H;
    const down = loss();
    input.data[i] = saved;
    grad[i] = (up - down) / (2 * H);
  }
  return grad;
}

function expectClose(analytic: ReferenceBuffer, numeric: Float64Array, what: string): void {
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < numeric.length; i++) scale = Math.max(scale, Math.abs(numeric[i]));
  for (let i = 0; i < numeric.length; i++) worst = Math.max(worst, Math.abs(analytic.data[i] - numeric[i]) / scale);
  expect({ what, worst: worst < TOL ? "ok" : worst }).toEqual({ what, worst: "ok" });
}

describe("finite-difference gradients (float64 reference)", () => {
  it("dense: dx, dW, db", () => {
    const random = new Rng(1);
    const s = { batch: 3, inFeatures: 5, outFeatures: 4 };
    const x = randomBuffer(random, 15), w = randomBuffer(random, 20), b = randomBuffer(random, 4);
    const r = randomBuffer(random, 12), y = be.alloc(12);
    const forward = () => be.denseForward(y, x, w, b, s);
    const dx = be.alloc(15), dw = be.alloc(20), db = be.alloc(4);
    be.denseBackwardData(dx, r, w, s);
    be.denseBackwardWeights(dw, r, x, s);
    be.biasGrad(db, r, 3, 4);
    expectClose(dx, numericGradient(x, y, r.data as Float64Array, forward), "dx");
    expectClose(dw, numericGradient(w, y, r.data as Float64Array, forward), "dW");
    expectClose(db, numericGradient(b, y, r.data as Float64Array, forward), "db");
  });

  const convParams: Conv2dParams[] = [
    { batch: 2, inHeight: 7, inWidth: 6, inChannels: 3, outChannels: 2, kernel: 4, stride: 2, pad: 1 },
    { batch: 1, inHeight: 5, inWidth: 5, inChannels: 2, outChannels: 3, kernel: 3, stride: 1, pad: 1 },
    { batch: 1, inHeight: 8, inWidth: 7, inChannels: 2, outChannels: 2, kernel: [3, 2], stride: 3, pad: 1 },
  ];
  for (const transposed of [false, true]) {
    for (const p of convParams) {
      const s: Conv2dShape = transposed ? conv2dTransposeShape({ ...p, inHeight: 3, inWidth: 4 }) : conv2dShape(p);
      const kind = transposed ? "conv2dTranspose" : "conv2d";
      it(`${kind} ${s.inHeight}×${s.inWidth}×${s.inChannels} → ${s.outHeight}×${s.outWidth}×${s.outChannels} k${s.kernelHeight}×${s.kernelWidth} s${s.stride}: dx, dfilter`, () => {
        const random = new Rng(2);
        const n = conv2dSizes(s);
        const x = randomBuffer(random, n.input), f = randomBuffer(random, n.filter), r = randomBuffer(random, n.output);
        const y = be.alloc(n.output), dx = be.alloc(n.input), df = be.alloc(n.filter);
        const forward = transposed ? () => be.conv2dTransposeForward(y, x, f, s) : () => be.conv2dForward(y, x, f, s);
        if (transposed) {
          be.conv2dTransposeBackwardData(dx, r, f, s);
          be.conv2dTransposeBackwardFilter(df, r, x, s);
        } else {
          be.conv2dBackwardData(dx, r, f, s);
          be.conv2dBackwardFilter(df, r, x, s);
        }
        expectClose(dx, numericGradient(x, y, r.data as Float64Array, forward), "dx");
        expectClose(df, numericGradient(f, y, r.data as Float64Array, forward), "dfilter");
      });
    }
  }

  it("bias add: db", () => {
    const random = new Rng(3);
    const y = randomBuffer(random, 12), b = randomBuffer(random, 3), r = randomBuffer(random, 12), db = be.alloc(3);
    const base = Float64Array.from(y.data);
    be.biasGrad(db, r, 4, 3);
    expectClose(db, numericGradient(b, y, r.data as Float64Array, () => { y.data.set(base); be.biasAdd(y, b, 4, 3); }), "db");
  });

  it("relu: dx (away from the kink)", () => {
    const random = new Rng(4);
    const x = randomBuffer(random, 20);
    for (let i = 0; i < 20; i++) if (Math.abs(x.data[i]) < 0.05) x.data[i] = 0.5;
    const r = randomBuffer(random, 20), y = be.alloc(20), dx = be.alloc(20);
    be.reluForward(y, x, 20);
    be.reluBackward(dx, r, y, 20);
    expectClose(dx, numericGradient(x, y, r.data as Float64Array, () => be.reluForward(y, x, 20)), "dx");
  });

  it("leaky relu: dx (away from the kink)", () => {
    const random = new Rng(5);
    const x = randomBuffer(random, 20);
    for (let i = 0; i < 20; i++) if (Math.abs(x.data[i]) < 0.05) x.data[i] = -0.5;
    const r = randomBuffer(random, 20), y = be.alloc(20), dx = be.alloc(20);
    be.leakyReluForward(y, x, 20, 0.2);
    be.leakyReluBackward(dx, r, y, 20, 0.2);
    expectClose(dx, numericGradient(x, y, r.data as Float64Array, () => be.leakyReluForward(y, x, 20, 0.2)), "dx");
  });

  it("clamp: dx (away from the bounds)", () => {
    const random = new Rng(10);
    const x = randomBuffer(random, 30, -3, 3);
    for (let i = 0; i < 30; i++) if (Math.abs(x.data[i] + 1) < 0.05 || Math.abs(x.data[i] - 2) < 0.05) x.data[i] = 0;
    const r = randomBuffer(random, 30), y = be.alloc(30), dx = be.alloc(30);
    be.clampBackward(dx, r, x, 30, -1, 2);
    expectClose(dx, numericGradient(x, y, r.data as Float64Array, () => be.clampForward(y, x, 30, -1, 2)), "dx");
  });

  it("sum of squares: its gradient 2x", () => {
    const random = new Rng(11);
    const x = randomBuffer(random, 9), out = be.alloc(1), twice = be.alloc(9);
    twice.data.set(x.data.map((v) => 2 * v));
    expectClose(twice, numericGradient(x, out, null, () => be.sumSquares(out, x, 9)), "2x");
  });

  it("reparameterisation: dmu, dlogvar", () => {
    const random = new Rng(5);
    const mu = randomBuffer(random, 12), lv = randomBuffer(random, 12, -3, 2), eps = randomBuffer(random, 12);
    const r = randomBuffer(random, 12), z = be.alloc(12), dmu = be.alloc(12), dlv = be.alloc(12);
    const forward = () => be.reparamForward(z, mu, lv, eps, 12);
    be.reparamBackward(dmu, dlv, r, lv, eps, 12);
    expectClose(dmu, numericGradient(mu, z, r.data as Float64Array, forward), "dmu");
    expectClose(dlv, numericGradient(lv, z, r.data as Float64Array, forward), "dlogvar");
  });

  it("Bernoulli NLL: dlogits", () => {
    const random = new Rng(6);
    const logits = randomBuffer(random, 21, -8, 8), targets = randomBuffer(random, 21, 0, 1);
    const loss = be.alloc(1), grad = be.alloc(21);
    be.bernoulliNllBackward(grad, logits, targets, 3, 7);
    expectClose(grad, numericGradient(logits, loss, null, () => be.bernoulliNllForward(loss, logits, targets, 3, 7)), "dlogits");
  });

  it("Gaussian NLL: dx", () => {
    const random = new Rng(7);
    const x = randomBuffer(random, 21), targets = randomBuffer(random, 21, 0, 1);
    const loss = be.alloc(1), grad = be.alloc(21);
    be.gaussianNllBackward(grad, x, targets, 3, 7, 0.25);
    expectClose(grad, numericGradient(x, loss, null, () => be.gaussianNllForward(loss, x, targets, 3, 7, 0.25)), "dx");
  });

  it("KL: dmu, dlogvar (with a weight, and accumulating)", () => {
    const random = new Rng(8);
    const mu = randomBuffer(random, 12), lv = randomBuffer(random, 12, -3, 2);
    const total = be.alloc(1), per = be.alloc(4), dmu = be.alloc(12), dlv = be.alloc(12);
    const forward = () => be.klForward(total, per, mu, lv, 3, 4);
    be.klBackward(dmu, dlv, mu, lv, 3, 4, 1, false);
    expectClose(dmu, numericGradient(mu, total, null, forward), "dmu");
    expectClose(dlv, numericGradient(lv, total, null, forward), "dlogvar");
    // accumulate: 1·∇KL already in dmu/dlv, plus 2·∇KL = 3·∇KL
    be.klBackward(dmu, dlv, mu, lv, 3, 4, 2, true);
    const three = (g: Float64Array) => g.map((v) => 3 * v);
    expectClose(dmu, three(numericGradient(mu, total, null, forward)), "3·dmu");
    expectClose(dlv, three(numericGradient(lv, total, null, forward)), "3·dlogvar");
  });

  it("KL per latent sums to the total", () => {
    const random = new Rng(9);
    const mu = randomBuffer(random, 30), lv = randomBuffer(random, 30, -3, 2);
    const total = be.alloc(1), per = be.alloc(10);
    be.klForward(total, per, mu, lv, 3, 10);
    expect(Array.from(per.data).reduce((a, b) => a + b, 0)).toBeCloseTo(total.data[0], 12);
  });
});
