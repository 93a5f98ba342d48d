import type { DeviceBuffer } from "../backend";
import type { Conv2dShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkConv, convShape, inputImage, outputImage, splitConv } from "./shared";

/** y = the transposed conv2d of x with a [kh, kw, out, in] filter; batch slices. */
export const conv2dTransposeForward = defineOp({
  name: "conv2dTransposeForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, f: DeviceBuffer, s: Conv2dShape) => {
    checkConv(c, s, true, y, x, f);
  },
  kernel: "conv2d_transpose_forward",
  wasm(k, y, x, f, s) {
    splitConv(k, s).slice(y, outputImage(s)).slice(x, inputImage(s)).tensor(f);
    convShape(k, s, true);
  },
});
