import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, checkSlope, elementwiseCall } from "./shared";

/** y = x where x > 0, else slope·x (slope ≥ 0; y may be x). */
export const leakyReluForward = defineOp({
  name: "leakyReluForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, count: number, slope: number) => {
    checkElementwise(c, count, y, "y", x, "x");
    checkSlope(c, slope);
  },
  kernel: "leaky_relu_forward",
  wasm: (k, y, x, count, slope) => elementwiseCall(k, count, y, x).value(slope),
});
