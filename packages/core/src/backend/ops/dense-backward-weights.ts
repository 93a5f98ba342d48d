import type { DeviceBuffer } from "../backend";
import type { DenseShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkDense } from "./shared";

/**
 * dW = xᵀ·dy. Rows of dW are independent, so the WASM backend gives each part whole blocks of
 * four rows (the GEMM's tile height) and nothing is summed across parts.
 */
export const denseBackwardWeights = defineOp({
  name: "denseBackwardWeights",
  check: (c: Checks, dw: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, s: DenseShape) => checkDense(c, s, dy, "dy", x, "x", dw, "dW"),
  // gemm(c, a, b, m, n, k, lda, ldb, ldc, transA, transB, accumulate, scratch) with A = xᵀ
  kernel: "gemm",
  wasm(k, dw, dy, x, s) {
    const { batch: n, inFeatures: fi, outFeatures: fo } = s;
    k.split(fi, n * fi * fo, "macs", 4).slice(dw, fo).slice(x, 1).tensor(dy).extent().value(fo).value(n)
      .value(fi).value(fo).value(fo).value(1).value(0).value(0)
      .scratch(k.kernels.gemm_scratch(k.largestPart, n));
  },
});
