import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** out[0] = Σ x² (non-finite when any x is). */
export const sumSquares = defineOp({
  name: "sumSquares",
  check: (c: Checks, out: DeviceBuffer, x: DeviceBuffer, count: number) => {
    c.count(count, "count");
    c.buffer(out, 1, "out");
    c.buffer(x, count, "x");
  },
  kernel: "sum_squares",
  wasm(k, out, x, count) {
    k.split(count, count, "floats", FLOAT_QUANTUM).sum(out, 1).slice(x, 1).extent();
  },
});
