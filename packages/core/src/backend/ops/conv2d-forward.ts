import type { DeviceBuffer } from "../backend";
import type { Conv2dShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkConv, convShape, inputImage, outputImage, splitConv } from "./shared";

/** y = conv2d(x, f) in NHWC with an HWIO filter; the WASM backend cuts it into batch slices. */
export const conv2dForward = defineOp({
  name: "conv2dForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, f: DeviceBuffer, s: Conv2dShape) => {
    checkConv(c, s, false, y, x, f);
  },
  kernel: "conv2d_forward",
  wasm(k, y, x, f, s) {
    splitConv(k, s).slice(y, outputImage(s)).slice(x, inputImage(s)).tensor(f);
    convShape(k, s, false);
  },
});
