// The module's exports: every kernel the backends call. Pointers and sizes in, nothing
// allocated; the host owns memory layout (see kernels/src/index.ts).
export { heap_base, uses_relaxed_simd } from "./common";
export { fma_peak } from "./peak";
export { gemm, gemm_scratch } from "./gemm";
export { dense_forward, dense_backward_data, dense_scratch } from "./dense";
export {
  conv2d_forward, conv2d_backward_data, conv2d_backward_filter, conv2d_scratch,
  conv2d_transpose_forward, conv2d_transpose_backward_data, conv2d_transpose_backward_filter,
} from "./conv";
export { bias_add, bias_grad, bias_grad_scratch } from "./bias";
export { relu_forward, relu_backward, leaky_relu_forward, leaky_relu_backward, clamp_forward, clamp_backward, add } from "./activation";
export { sum_squares } from "./reduce";
export { reparam_forward, reparam_backward } from "./reparam";
export {
  bernoulli_nll_forward, bernoulli_nll_backward, gaussian_nll_forward, gaussian_nll_backward,
  kl_forward, kl_backward,
} from "./loss";
export { adam_update } from "./adam";
