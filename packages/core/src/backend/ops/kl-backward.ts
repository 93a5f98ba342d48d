import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";

/**
 * The gradient of weight·KL into dmu, dlogvar, added to what they hold when accumulate (the
 * one op whose gradient may add rather than overwrite). Too small to split.
 */
export const klBackward = defineOp({
  name: "klBackward",
  check: (c: Checks, dmu: DeviceBuffer, dlogvar: DeviceBuffer, mu: DeviceBuffer, logvar: DeviceBuffer, batch: number, latents: number,
    weight: number, accumulate: boolean) => {
    c.count(batch, "batch");
    c.count(latents, "latents");
    if (!Number.isFinite(weight)) c.fail(`weight must be finite, got ${weight}`);
    const count = batch * latents;
    c.buffer(dmu, count, "dmu");
    c.buffer(dlogvar, count, "dlogvar");
    c.buffer(mu, count, "mu");
    c.buffer(logvar, count, "logvar");
  },
  kernel: "kl_backward",
  wasm(k, dmu, dlogvar, mu, logvar, batch, latents, weight, accumulate) {
    k.tensor(dmu).tensor(dlogvar).tensor(mu).tensor(logvar).value(batch).value(latents).value(weight).value(accumulate ? 1 : 0);
  },
});
