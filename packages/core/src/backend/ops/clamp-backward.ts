import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** dx = dy where lo < x < hi, else 0 (dx may be dy). */
export const clampBackward = defineOp({
  name: "clampBackward",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, x: DeviceBuffer, count: number, lo: number, hi: number) => {
    c.count(count, "count");
    if (!(lo < hi)) c.fail(`lo ${lo} must be below hi ${hi}`);
    c.buffer(dx, count, "dx");
    c.buffer(dy, count, "dy");
    c.buffer(x, count, "x");
  },
  kernel: "clamp_backward",
  wasm(k, dx, dy, x, count, lo, hi) {
    k.split(count, count, "floats", FLOAT_QUANTUM).slice(dx, 1).slice(dy, 1).slice(x, 1).extent().value(lo).value(hi);
  },
});
