import type { DeviceBuffer } from "../backend";
import type { DenseShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkDense, denseShape, splitDense } from "./shared";

/** y = x·W + b (b may be null). The WASM backend cuts it into batch slices. */
export const denseForward = defineOp({
  name: "denseForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, b: DeviceBuffer | null, s: DenseShape) => {
    checkDense(c, s, y, "y", x, "x", w, "W");
    c.buffer(b, s.outFeatures, "b");
  },
  kernel: "dense_forward",
  wasm(k, y, x, w, b, s) {
    splitDense(k, s).slice(y, s.outFeatures).slice(x, s.inFeatures).tensor(w).tensor(b);
    denseShape(k, s);
  },
});
