import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkLoss, checkVariance, splitLoss } from "./shared";

/** dx = (x − targets) / (variance·batch). */
export const gaussianNllBackward = defineOp({
  name: "gaussianNllBackward",
  check: (c: Checks, dx: DeviceBuffer, x: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number, variance: number) => {
    checkLoss(c, batch, pixels, null, x, targets, dx);
    checkVariance(c, variance);
  },
  kernel: "gaussian_nll_backward",
  wasm(k, dx, x, targets, batch, pixels, variance) {
    splitLoss(k, batch, pixels).slice(dx, batch).slice(x, batch).slice(targets, batch).value(batch).extent().value(variance);
  },
});
