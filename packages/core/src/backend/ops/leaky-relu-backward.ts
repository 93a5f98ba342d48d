import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, checkSlope, elementwiseCall } from "./shared";

/** dx = dy where the forward output y > 0, else slope·dy (dx may be dy). */
export const leakyReluBackward = defineOp({
  name: "leakyReluBackward",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, y: DeviceBuffer, count: number, slope: number) => {
    checkElementwise(c, count, dx, "dx", dy, "dy", y, "y");
    checkSlope(c, slope);
  },
  kernel: "leaky_relu_backward",
  wasm: (k, dx, dy, y, count, slope) => elementwiseCall(k, count, dx, dy, y).value(slope),
});
