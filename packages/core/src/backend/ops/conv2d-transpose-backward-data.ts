import { convOp } from "./shared";

/** dx: the gradient of the transposed conv2d with respect to its input. */
export const conv2dTransposeBackwardData = convOp("conv2dTransposeBackwardData", "conv2d_transpose_backward_data", "backwardData", true);
