// The TensorFlow.js peer must compute our step before its timing means anything: its filter
// gradient route and its whole step (losses, gradients, Adam) against the reference backend.
import { describe, expect, it } from "vitest";
import { ReferenceBackend, Rng, conv2dShape, conv2dTransposeShape } from "@betavae/core";
import { loadTfjsWasm } from "./tfjs";
import { checkTfjsTrainer, conv2dTransposeByPhases, convFilterGradient } from "./tfjs-train";
import { randomArray, relativeError } from "./timing";

const OPTIMISER = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

describe("tfjs training step", async () => {
  const { tf } = await loadTfjsWasm();

  it.each([
    ["even size", 8],
    ["odd size (the dilated conv gives extra rows to cut)", 7],
  ])("filter gradient as a dilated conv2d equals conv2dBackwardFilter: %s", (_, size) => {
    const s = conv2dShape({ batch: 3, inHeight: size, inWidth: size, inChannels: 2, outChannels: 5, kernel: 4, stride: 2, pad: 1 });
    const rng = new Rng(5);
    const x = randomArray(rng, s.batch * s.inHeight * s.inWidth * s.inChannels);
    const dy = randomArray(rng, s.batch * s.outHeight * s.outWidth * s.outChannels);
    const be = new ReferenceBackend("f64");
    const [xb, dyb, dfb] = [be.alloc(x.length), be.alloc(dy.length), be.alloc(16 * s.inChannels * s.outChannels)];
    be.write(xb, x);
    be.write(dyb, dy);
    be.conv2dBackwardFilter(dfb, dyb, xb, s);
    const got = tf.tidy(() => convFilterGradient(tf,
      tf.tensor4d(x, [s.batch, s.inHeight, s.inWidth, s.inChannels]),
      tf.tensor4d(dy, [s.batch, s.outHeight, s.outWidth, s.outChannels]), 4, 2, 1));
    expect(got.shape).toEqual([4, 4, s.inChannels, s.outChannels]);
    expect(relativeError(got.dataSync(), be.view(dfb))).toBeLessThan(1e-5);
    got.dispose();
  });

  it("a transposed conv by output phases equals conv2dTransposeForward", () => {
    const s = conv2dTransposeShape({ batch: 2, inHeight: 5, inWidth: 3, inChannels: 3, outChannels: 4, kernel: 4, stride: 2, pad: 1 });
    const rng = new Rng(6);
    const x = randomArray(rng, s.batch * s.inHeight * s.inWidth * s.inChannels);
    const f = randomArray(rng, 16 * s.inChannels * s.outChannels);
    const be = new ReferenceBackend("f64");
    const [xb, fb, yb] = [be.alloc(x.length), be.alloc(f.length), be.alloc(s.batch * s.outHeight * s.outWidth * s.outChannels)];
    be.write(xb, x);
    be.write(fb, f);
    be.conv2dTransposeForward(yb, xb, fb, s);
    const got = tf.tidy(() => conv2dTransposeByPhases(tf,
      tf.tensor4d(x, [s.batch, s.inHeight, s.inWidth, s.inChannels]), tf.tensor4d(f, [4, 4, s.outChannels, s.inChannels])));
    expect(got.shape).toEqual([s.batch, s.outHeight, s.outWidth, s.outChannels]);
    expect(relativeError(got.dataSync(), be.view(yb))).toBeLessThan(1e-5);
    got.dispose();
  });

  it.each([
    ["capacity", "tfjs", { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100000 } as const],
    ["β", "tfjs", { kind: "beta", beta: 4 } as const],
    ["capacity", "phases", { kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100000 } as const],
  ] as const)("matches the reference backend's step (%s objective, transposed convs: %s) and frees its tensors", (_, route, objective) => {
    const before = tf.memory().numTensors;
    const check = checkTfjsTrainer(tf, objective, OPTIMISER, route);
    expect(check.passed, JSON.stringify(check)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
