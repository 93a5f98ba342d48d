import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** y = min(max(x, lo), hi). */
export const clampForward = defineOp({
  name: "clampForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, count: number, lo: number, hi: number) => {
    c.count(count, "count");
    if (!(lo < hi)) c.fail(`lo ${lo} must be below hi ${hi}`);
    c.buffer(y, count, "y");
    c.buffer(x, count, "x");
  },
  kernel: "clamp_forward",
  wasm(k, y, x, count, lo, hi) {
    k.split(count, count, "floats", FLOAT_QUANTUM).slice(y, 1).slice(x, 1).extent().value(lo).value(hi);
  },
});
