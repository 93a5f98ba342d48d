import { convForwardOp } from "./shared";

/** y = conv2d(x, f) in NHWC with an HWIO filter. */
export const conv2dForward = convForwardOp("conv2dForward", "conv2d_forward", false);
