import type { DeviceBuffer } from "../backend";
import { type Checks, defineFusedOp } from "./op";
import { checkLoss, lossCall } from "./shared";

/** The Bernoulli NLL and its gradient at once (one pass where the backend fuses them). */
export const bernoulliNllForwardBackward = defineFusedOp({
  name: "bernoulliNllForwardBackward",
  check: (c: Checks, loss: DeviceBuffer, dlogits: DeviceBuffer, logits: DeviceBuffer, targets: DeviceBuffer, batch: number, pixels: number) => {
    checkLoss(c, batch, pixels, loss, logits, targets, dlogits);
  },
  // bernoulli_nll_forward(loss, logits, targets, batch, pixels, dlogits)
  kernel: "bernoulli_nll_forward",
  wasm(k, loss, dlogits, logits, targets, batch, pixels) {
    lossCall(k, loss, "loss", logits, targets, batch, pixels).slice(dlogits, batch);
  },
  fallback(be, loss, dlogits, logits, targets, batch, pixels) {
    be.bernoulliNllForward(loss, logits, targets, batch, pixels);
    be.bernoulliNllBackward(dlogits, logits, targets, batch, pixels);
  },
});
