import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** dx = dy where y > 0, else 0 (dx may be dy). */
export const reluBackward = defineOp({
  name: "reluBackward",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, y: DeviceBuffer, count: number) => checkElementwise(c, count, dx, "dx", dy, "dy", y, "y"),
  kernel: "relu_backward",
  wasm: (k, dx, dy, y, count) => elementwiseCall(k, count, dx, dy, y),
});
