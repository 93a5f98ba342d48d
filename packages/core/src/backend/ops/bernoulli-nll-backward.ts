import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkLoss, splitLoss } from "./shared";

/** dlogits = (sigmoid(logits) − targets) / batch. */
export const bernoulliNllBackward = defineOp({
  name: "bernoulliNllBackward",
  check: (c: Checks, dlogits: DeviceBuffer, logits: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number) => {
    checkLoss(c, batch, pixels, null, logits, targets, dlogits);
  },
  kernel: "bernoulli_nll_backward",
  wasm(k, dlogits, logits, targets, batch, pixels) {
    splitLoss(k, batch, pixels).slice(dlogits, batch).slice(logits, batch).slice(targets, batch).value(batch).extent();
  },
});
