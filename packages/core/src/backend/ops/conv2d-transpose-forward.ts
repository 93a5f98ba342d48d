import { convForwardOp } from "./shared";

/** y = the transposed conv2d of x with a [kh, kw, out, in] filter f. */
export const conv2dTransposeForward = convForwardOp("conv2dTransposeForward", "conv2d_transpose_forward", true);
