import type { DeviceBuffer } from "../backend";
import type { Conv2dShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkConv, convShape, filterFloats, inputImage, outputImage, splitConv } from "./shared";

/** df = the gradient of the transposed conv2d with respect to its filter; batch slices, summed as partials. */
export const conv2dTransposeBackwardFilter = defineOp({
  name: "conv2dTransposeBackwardFilter",
  check: (c: Checks, df: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, s: Conv2dShape) => {
    checkConv(c, s, true, dy, x, df);
  },
  kernel: "conv2d_transpose_backward_filter",
  wasm(k, df, dy, x, s) {
    splitConv(k, s).sum(df, filterFloats(s)).slice(dy, outputImage(s)).slice(x, inputImage(s));
    convShape(k, s, true);
  },
});
