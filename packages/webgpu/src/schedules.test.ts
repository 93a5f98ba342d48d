// The GEMM schedules (tiled, split-K, narrow) on the shapes that choose them — the Burgess
// model's convolutions at batch 16, and dense layers with 1–4 outputs or a long batch — against
// the float64 reference, with a check that each schedule really ran.
import { type Backend, type Conv2dShape, type DenseShape, ReferenceBackend, Rng, compare, conv2dShape, conv2dSizes, conv2dTransposeShape } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { testBackend } from "./test-adapter";

const RTOL = 1e-5;
const webgpu = await testBackend("webgpu GEMM schedules");
const oracle = new ReferenceBackend("f64");
/** Whether a shader of this kind (any tile size) has been compiled. */
const ran = (kind: string) => [...webgpu!.kinds].some((k) => k === kind || k.startsWith(`${kind}_`));

/** Runs `op` on fresh buffers filled from one seed; returns the named outputs. */
async function run(be: Backend, sizes: Record<string, number>, outputs: string[], seed: number,
  op: (b: Record<string, ReturnType<Backend["alloc"]>>) => void): Promise<Record<string, Float32Array>> {
  const rng = new Rng(seed);
  const bufs: Record<string, ReturnType<Backend["alloc"]>> = {};
  for (const [name, n] of Object.entries(sizes)) {
    bufs[name] = be.alloc(n);
    if (outputs.includes(name)) continue;
    const values = new Float32Array(n);
    rng.fillUniform(values, -1, 1);
    be.write(bufs[name], values);
  }
  op(bufs);
  const out: Record<string, Float32Array> = {};
  for (const name of outputs) out[name] = await be.read(bufs[name]);
  return out;
}

async function expectSame(sizes: Record<string, number>, outputs: Record<string, number>, seed: number,
  op: (be: Backend, b: Record<string, ReturnType<Backend["alloc"]>>) => void): Promise<void> {
  const names = Object.keys(outputs);
  const got = await run(webgpu!, sizes, names, seed, (b) => op(webgpu!, b));
  const want = await run(oracle, sizes, names, seed, (b) => op(oracle, b));
  for (const name of names) {
    expect({ output: name, ...compare(got[name], want[name], outputs[name], RTOL) }).toMatchObject({ output: name, pass: true });
  }
}

function convTest(s: Conv2dShape, transposed: boolean, seed: number) {
  const n = conv2dSizes(s);
  const outPixels = s.batch * s.outHeight * s.outWidth, taps = s.kernelHeight * s.kernelWidth;
  // terms of each output's sum: forward and data gradient over taps × channels, filter gradient over pixels
  return expectSame({ x: n.input, f: n.filter, dy: n.output, y: n.output, dx: n.input, df: n.filter },
    { y: taps * (transposed ? s.outChannels : s.inChannels), dx: taps * s.outChannels, df: transposed ? s.batch * s.inHeight * s.inWidth : outPixels },
    seed, (be, b) => {
      if (transposed) {
        be.conv2dTransposeForward(b.y, b.x, b.f, s);
        be.conv2dTransposeBackwardData(b.dx, b.dy, b.f, s);
        be.conv2dTransposeBackwardFilter(b.df, b.dy, b.x, s);
      } else {
        be.conv2dForward(b.y, b.x, b.f, s);
        be.conv2dBackwardData(b.dx, b.dy, b.f, s);
        be.conv2dBackwardFilter(b.df, b.dy, b.x, s);
      }
    });
}

function denseTest(s: DenseShape, seed: number) {
  return expectSame({ x: s.batch * s.inFeatures, w: s.inFeatures * s.outFeatures, b: s.outFeatures, dy: s.batch * s.outFeatures,
    y: s.batch * s.outFeatures, dx: s.batch * s.inFeatures, dw: s.inFeatures * s.outFeatures },
  { y: s.inFeatures, dx: s.outFeatures, dw: s.batch }, seed, (be, b) => {
    be.denseForward(b.y, b.x, b.w, b.b, s);
    be.denseBackwardData(b.dx, b.dy, b.w, s);
    be.denseBackwardWeights(b.dw, b.dy, b.x, s);
  });
}

const layer = (inSize: number, inChannels: number, outChannels: number) =>
  ({ batch: 16, inHeight: inSize, inWidth: inSize, inChannels, outChannels, kernel: 4, stride: 2, pad: 1 });

describe.skipIf(!webgpu)("WebGPU GEMM schedules against the float64 reference", () => {
  it("Burgess encoder convolutions (1→32 at 64×64 … 32→32 at 8×8), batch 16", async () => {
    let seed = 1;
    for (const [size, cin] of [[64, 1], [32, 32], [16, 32], [8, 32]]) await convTest(conv2dShape(layer(size, cin, 32)), false, seed++);
    // the filter gradients' K (batch·pixels) is long and their M·N a few tiles: split-K
    expect(ran("conv_bwd_filter_split")).toBe(true);
    // the data gradients gather by stride phase
    expect(ran("conv_bwd_data_phase")).toBe(true);
  });
  it("Burgess decoder transposed convolutions (32→32 at 4×4 … 32→1 at 32×32), batch 16", async () => {
    let seed = 11;
    for (const [size, cout] of [[4, 32], [8, 32], [16, 32], [32, 1]]) await convTest(conv2dTransposeShape(layer(size, 32, cout)), true, seed++);
    // one output channel: the narrow schedule
    expect(ran("convT_fwd_phase_narrow1")).toBe(true);
    expect(ran("convT_bwd_filter_split")).toBe(true);
  });
  it("dense layers with 1, 2, 3 and 4 outputs (narrow), a batch of 4096 (split-K weight gradient), and small tiles", async () => {
    let seed = 21;
    for (const outFeatures of [1, 2, 3, 4]) await denseTest({ batch: 37, inFeatures: 70, outFeatures }, seed++);
    await denseTest({ batch: 4096, inFeatures: 20, outFeatures: 33 }, seed++);
    await denseTest({ batch: 9, inFeatures: 12, outFeatures: 10 }, seed++);
    for (const kind of ["dense_fwd_bias_narrow1", "dense_fwd_bias_narrow2", "dense_fwd_bias_narrow4", "dense_bwd_weights_split", "dense_bwd_data_64x64", "dense_fwd_bias_32x32", "dense_bwd_data_64x32"]) {
      expect(ran(kind), kind).toBe(true);
    }
  });
});
