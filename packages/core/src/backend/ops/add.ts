import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** out = a + b (out may be a or b). */
export const add = defineOp({
  name: "add",
  check: (c: Checks, out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, count: number) => checkElementwise(c, count, out, "out", a, "a", b, "b"),
  kernel: "add",
  wasm: (k, out, a, b, count) => elementwiseCall(k, count, out, a, b),
});
