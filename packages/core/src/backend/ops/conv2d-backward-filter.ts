import { convBackwardFilterOp } from "./shared";

/** df: the gradient of conv2d with respect to its HWIO filter. */
export const conv2dBackwardFilter = convBackwardFilterOp("conv2dBackwardFilter", "conv2d_backward_filter", false);
