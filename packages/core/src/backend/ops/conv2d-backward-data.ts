import { convBackwardDataOp } from "./shared";

/** dx: the gradient of conv2d with respect to its input. */
export const conv2dBackwardData = convBackwardDataOp("conv2dBackwardData", "conv2d_backward_data", false);
