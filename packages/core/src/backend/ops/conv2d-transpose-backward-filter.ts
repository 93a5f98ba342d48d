import { convOp } from "./shared";

/** df: the gradient of the transposed conv2d with respect to its [kh, kw, out, in] filter. */
export const conv2dTransposeBackwardFilter = convOp("conv2dTransposeBackwardFilter", "conv2d_transpose_backward_filter", "backwardFilter", true);
