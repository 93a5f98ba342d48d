import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";

/** total[0] = KL(q ‖ N(0, I)) summed over latents, mean over batch; perLatent[j] = its batch mean. Too small to split. */
export const klForward = defineOp({
  name: "klForward",
  check: (c: Checks, total: DeviceBuffer, perLatent: DeviceBuffer, mu: DeviceBuffer, logvar: DeviceBuffer, batch: number, latents: number) => {
    c.count(batch, "batch");
    c.count(latents, "latents");
    c.buffer(total, 1, "total");
    c.buffer(perLatent, latents, "perLatent");
    c.buffer(mu, batch * latents, "mu");
    c.buffer(logvar, batch * latents, "logvar");
  },
  kernel: "kl_forward",
  wasm(k, total, perLatent, mu, logvar, batch, latents) {
    k.tensor(total).tensor(perLatent).tensor(mu).tensor(logvar).value(batch).value(latents);
  },
});
