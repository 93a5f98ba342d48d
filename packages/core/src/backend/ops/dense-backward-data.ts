import type { DeviceBuffer } from "../backend";
import type { DenseShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkDense, denseShape, splitDense } from "./shared";

/** dx = dy·Wᵀ. The WASM backend cuts it into batch slices. */
export const denseBackwardData = defineOp({
  name: "denseBackwardData",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, w: DeviceBuffer, s: DenseShape) => checkDense(c, s, dy, "dy", dx, "dx", w, "W"),
  kernel: "dense_backward_data",
  wasm(k, dx, dy, w, s) {
    splitDense(k, s).slice(dx, s.inFeatures).slice(dy, s.outFeatures).tensor(w);
    denseShape(k, s);
  },
});
