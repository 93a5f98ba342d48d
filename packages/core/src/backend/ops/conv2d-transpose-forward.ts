import { convOp } from "./shared";

/** y = the transposed conv2d of x with a [kh, kw, out, in] filter f. */
export const conv2dTransposeForward = convOp("conv2dTransposeForward", "conv2d_transpose_forward", "forward", true);
