import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkLoss, checkVariance, splitLoss } from "./shared";

/**
 * loss[0] = Gaussian NLL with fixed variance, summed over pixels, mean over the batch. Each
 * WASM part adds its pixels' share of the normalising constant, so the parts sum to the whole.
 */
export const gaussianNllForward = defineOp({
  name: "gaussianNllForward",
  check: (c: Checks, loss: DeviceBuffer, x: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number, variance: number) => {
    checkLoss(c, batch, pixels, loss, x, targets, null);
    checkVariance(c, variance);
  },
  kernel: "gaussian_nll_forward",
  wasm(k, loss, x, targets, batch, pixels, variance) {
    splitLoss(k, batch, pixels).sum(loss, 1).slice(x, batch).slice(targets, batch).value(batch).extent().value(variance);
  },
});
