import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** y = min(max(x, lo), hi). */
export const clampForward = defineOp({
  name: "clampForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, count: number, lo: number, hi: number) => {
    checkElementwise(c, count, y, "y", x, "x");
    if (!(lo < hi)) c.fail(`lo ${lo} must be below hi ${hi}`);
  },
  kernel: "clamp_forward",
  wasm(k, y, x, count, lo, hi) {
    elementwiseCall(k, count, y, x).value(lo).value(hi);
  },
});
