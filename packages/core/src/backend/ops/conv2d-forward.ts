import { convOp } from "./shared";

/** y = conv2d(x, f) in NHWC with an HWIO filter. */
export const conv2dForward = convOp("conv2dForward", "conv2d_forward", "forward", false);
