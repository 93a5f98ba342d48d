// Dense (fully connected) layer: y[n×m] = x[n×k] · W[k×m] + b[m], all row-major.
// Forward and both gradients are one GEMM each; gradients overwrite their outputs. The
// weight gradient dW = xᵀ·dy is the gemm export itself (the backend cuts it into row blocks;
// see core's backend/ops/dense-backward-weights.ts), the bias gradient bias_grad in bias.ts.
import { gemm, gemm_scratch } from "./gemm";
import { bias_add } from "./bias";

/** Scratch bytes any dense op on these sizes needs. */
export function dense_scratch(n: i32, k: i32, m: i32): usize {
  return max(gemm_scratch(n, k), max(gemm_scratch(n, m), gemm_scratch(k, n)));
}

/** y = x·W (+ b when b != 0). */
export function dense_forward(y: usize, x: usize, w: usize, b: usize, n: i32, k: i32, m: i32, scratch: usize): void {
  gemm(y, x, w, n, m, k, k, m, m, 0, 0, 0, scratch);
  if (b) bias_add(y, b, n, m, -Infinity);
}

/** dx = dy·Wᵀ. */
export function dense_backward_data(dx: usize, dy: usize, w: usize, n: i32, k: i32, m: i32, scratch: usize): void {
  gemm(dx, dy, w, n, k, m, m, m, k, 0, 1, 0, scratch);
}

