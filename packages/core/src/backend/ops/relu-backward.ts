import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** dx = dy where y > 0, else 0 (dx may be dy). */
export const reluBackward = defineOp({
  name: "reluBackward",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, y: DeviceBuffer, count: number) => {
    c.count(count, "count");
    c.buffer(dx, count, "dx");
    c.buffer(dy, count, "dy");
    c.buffer(y, count, "y");
  },
  kernel: "relu_backward",
  wasm(k, dx, dy, y, count) {
    k.split(count, count, "floats", FLOAT_QUANTUM).slice(dx, 1).slice(dy, 1).slice(y, 1).extent();
  },
});
