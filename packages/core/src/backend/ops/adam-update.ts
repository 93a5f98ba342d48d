import type { DeviceBuffer } from "../backend";
import type { AdamStep } from "../shapes";
import { type Checks, defineOp } from "./op";
import { checkElementwise, elementwiseCall } from "./shared";

/** One bias-corrected Adam step on `count` parameters (eps added to sqrt(v̂)). */
export const adamUpdate = defineOp({
  name: "adamUpdate",
  check: (c: Checks, params: DeviceBuffer, grads: DeviceBuffer, m: DeviceBuffer, v: DeviceBuffer, count: number, hp: AdamStep) => {
    checkElementwise(c, count, params, "params", grads, "grads", m, "m", v, "v");
    c.count(hp.step, "step");
  },
  // adam_update(params, grads, m, v, count, lr, beta1, beta2, eps, 1 − beta1^step, 1 − beta2^step)
  kernel: "adam_update",
  wasm(k, params, grads, m, v, count, hp) {
    elementwiseCall(k, count, params, grads, m, v)
      .value(hp.lr).value(hp.beta1).value(hp.beta2).value(hp.eps).value(1 - hp.beta1 ** hp.step).value(1 - hp.beta2 ** hp.step);
  },
});
