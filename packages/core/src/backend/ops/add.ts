import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { FLOAT_QUANTUM } from "./shared";

/** out = a + b (out may be a or b). */
export const add = defineOp({
  name: "add",
  check: (c: Checks, out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, count: number) => {
    c.count(count, "count");
    c.buffer(out, count, "out");
    c.buffer(a, count, "a");
    c.buffer(b, count, "b");
  },
  kernel: "add",
  wasm(k, out, a, b, count) {
    k.split(count, count, "floats", FLOAT_QUANTUM).slice(out, 1).slice(a, 1).slice(b, 1).extent();
  },
});
