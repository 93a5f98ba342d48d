import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** y = max(x, 0). */
export const reluForward = defineOp({
  name: "reluForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, count: number) => {
    c.count(count, "count");
    c.buffer(y, count, "y");
    c.buffer(x, count, "x");
  },
  kernel: "relu_forward",
  wasm(k, y, x, count) {
    k.split(count, count, "floats", FLOAT_QUANTUM).slice(y, 1).slice(x, 1).extent();
  },
});
