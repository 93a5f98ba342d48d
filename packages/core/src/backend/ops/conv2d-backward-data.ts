import type { DeviceBuffer } from "../backend";
import type { Conv2dShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkConv, convShape, inputImage, outputImage, splitConv } from "./shared";

/** dx = the gradient of conv2d with respect to its input; batch slices. */
export const conv2dBackwardData = defineOp({
  name: "conv2dBackwardData",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, f: DeviceBuffer, s: Conv2dShape) => {
    checkConv(c, s, false, dy, dx, f);
  },
  kernel: "conv2d_backward_data",
  wasm(k, dx, dy, f, s) {
    splitConv(k, s).slice(dx, inputImage(s)).slice(dy, outputImage(s)).tensor(f);
    convShape(k, s, false);
  },
});
