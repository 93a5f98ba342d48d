// The GEMM schedules (tiled, split-K, narrow) on the shapes that choose them — the Burgess
// model's convolutions at batch 16, and dense layers with 1–4 outputs or a long batch — against
// the float64 reference, with a check that each schedule really ran.
import { conv2dShape, conv2dTransposeShape } from "@betavae/core";
import { convCase, denseCase, expectMatchesReference } from "@betavae/core/testing";
import { describe, expect, it } from "vitest";
import { testBackend } from "./test-adapter";

const webgpu = await testBackend("webgpu GEMM schedules");
/** Whether a shader of this kind (any tile size) has been compiled. */
const ran = (kind: string) => [...webgpu!.kinds].some((k) => k === kind || k.startsWith(`${kind}_`));

const layer = (inSize: number, inChannels: number, outChannels: number) =>
  ({ batch: 16, inHeight: inSize, inWidth: inSize, inChannels, outChannels, kernel: 4, stride: 2, pad: 1 });

describe.skipIf(!webgpu)("WebGPU GEMM schedules against the float64 reference", () => {
  it("Burgess encoder convolutions (1→32 at 64×64 … 32→32 at 8×8), batch 16", async () => {
    let seed = 1;
    for (const [size, cin] of [[64, 1], [32, 32], [16, 32], [8, 32]]) await expectMatchesReference(webgpu!, convCase(conv2dShape(layer(size, cin, 32)), false), seed++);
    // the filter gradients' K (batch·pixels) is long and their M·N a few tiles: split-K
    expect(ran("conv_bwd_filter_split")).toBe(true);
    // the data gradients gather by stride phase
    expect(ran("conv_bwd_data_phase")).toBe(true);
  });
  it("Burgess decoder transposed convolutions (32→32 at 4×4 … 32→1 at 32×32), batch 16", async () => {
    let seed = 11;
    for (const [size, cout] of [[4, 32], [8, 32], [16, 32], [32, 1]]) await expectMatchesReference(webgpu!, convCase(conv2dTransposeShape(layer(size, 32, cout)), true), seed++);
    // one output channel: the narrow schedule
    expect(ran("convT_fwd_phase_narrow1")).toBe(true);
    expect(ran("convT_bwd_filter_split")).toBe(true);
  });
  it("dense layers with 1, 2, 3 and 4 outputs (narrow), a batch of 4096 (split-K weight gradient), and small tiles", async () => {
    let seed = 21;
    for (const outFeatures of [1, 2, 3, 4]) await expectMatchesReference(webgpu!, denseCase({ batch: 37, inFeatures: 70, outFeatures }), seed++);
    await expectMatchesReference(webgpu!, denseCase({ batch: 4096, inFeatures: 20, outFeatures: 33 }), seed++);
    await expectMatchesReference(webgpu!, denseCase({ batch: 9, inFeatures: 12, outFeatures: 10 }), seed++);
    for (const kind of ["dense_fwd_bias_narrow1", "dense_fwd_bias_narrow2", "dense_fwd_bias_narrow4", "dense_bwd_weights_split", "dense_bwd_data_64x64", "dense_fwd_bias_32x32", "dense_bwd_data_64x32"]) {
      expect(ran(kind), kind).toBe(true);
    }
  });
});
