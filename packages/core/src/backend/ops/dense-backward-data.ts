import type { DeviceBuffer } from "../backend";
import type { DenseShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkDenseCounts, denseScratch } from "./shared";

/** dx = dy·Wᵀ. The WASM backend cuts it into batch slices. */
export const denseBackwardData = defineOp({
  name: "denseBackwardData",
  check: (c: Checks, dx: DeviceBuffer, dy: DeviceBuffer, w: DeviceBuffer, s: DenseShape) => {
    checkDenseCounts(c, s.batch, s.inFeatures, s.outFeatures);
    c.buffer(dx, s.batch * s.inFeatures, "dx");
    c.buffer(dy, s.batch * s.outFeatures, "dy");
    c.buffer(w, s.inFeatures * s.outFeatures, "W");
  },
  kernel: "dense_backward_data",
  wasm(k, dx, dy, w, s) {
    const { batch: n, inFeatures: fi, outFeatures: fo } = s;
    k.split(n, n * fi * fo, "macs").slice(dx, fi).slice(dy, fo).tensor(w).extent().value(fi).value(fo)
      .scratch(denseScratch(k, fi, fo));
  },
});
