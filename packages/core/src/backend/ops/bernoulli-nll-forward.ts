import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkLoss, splitLoss } from "./shared";

/** loss[0] = Bernoulli NLL of targets under logits, summed over pixels, mean over the batch. */
export const bernoulliNllForward = defineOp({
  name: "bernoulliNllForward",
  check: (c: Checks, loss: DeviceBuffer, logits: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number) => {
    checkLoss(c, batch, pixels, loss, logits, targets, null);
  },
  // bernoulli_nll_forward(loss, logits, targets, batch, pixels, dlogits): no gradient
  kernel: "bernoulli_nll_forward",
  wasm(k, loss, logits, targets, batch, pixels) {
    splitLoss(k, batch, pixels).sum(loss, 1).slice(logits, batch).slice(targets, batch).value(batch).extent().tensor(null);
  },
});
