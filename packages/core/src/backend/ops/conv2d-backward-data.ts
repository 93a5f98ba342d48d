import { convOp } from "./shared";

/** dx: the gradient of conv2d with respect to its input. */
export const conv2dBackwardData = convOp("conv2dBackwardData", "conv2d_backward_data", "backwardData", false);
