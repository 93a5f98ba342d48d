import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** dx = dy where lo < x < hi, else 0 (dx may be dy). */
export const clampBackward = defineOp({
  name: "clampBackward",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, count: number, lo: number, hi: number) => {
    checkElementwise(c, count, dx, "dx", dy, "dy", x, "x");
    if (!(lo < hi)) c.fail(`lo ${lo} must be below hi ${hi}`);
  },
  kernel: "clamp_backward",
  wasm(k, dx, dy, x, count, lo, hi) {
    elementwiseCall(k, count, dx, dy, x).value(lo).value(hi);
  },
});
