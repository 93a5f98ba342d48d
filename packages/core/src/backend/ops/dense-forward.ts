import type { DeviceBuffer } from "../backend";
import type { DenseShape } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkDenseCounts, denseScratch } from "./shared";

/** y = x·W + b (b may be null). The WASM backend cuts it into batch slices. */
export const denseForward = defineOp({
  name: "denseForward",
  check: (c: Checks, y: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, b: DeviceBuffer | null, s: DenseShape) => {
    checkDenseCounts(c, s.batch, s.inFeatures, s.outFeatures);
    c.buffer(y, s.batch * s.outFeatures, "y");
    c.buffer(x, s.batch * s.inFeatures, "x");
    c.buffer(w, s.inFeatures * s.outFeatures, "W");
    c.buffer(b, s.outFeatures, "b");
  },
  kernel: "dense_forward",
  wasm(k, y, x, w, b, s) {
    const { batch: n, inFeatures: fi, outFeatures: fo } = s;
    k.split(n, n * fi * fo, "macs").slice(y, fo).slice(x, fi).tensor(w).tensor(b).extent().value(fi).value(fo)
      .scratch(denseScratch(k, fi, fo));
  },
});
