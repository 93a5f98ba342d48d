import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** y = max(x, 0). */
export const reluForward = defineOp({
  name: "reluForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, count: number) => checkElementwise(c, count, y, "y", x, "x"),
  kernel: "relu_forward",
  wasm: (k, y, x, count) => elementwiseCall(k, count, y, x),
});
