import { convOp } from "./shared";

/** df: the gradient of conv2d with respect to its HWIO filter. */
export const conv2dBackwardFilter = convOp("conv2dBackwardFilter", "conv2d_backward_filter", "backwardFilter", false);
