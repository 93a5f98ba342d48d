import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";

/** z = μ + exp(lv/2)·ε. Too small to split. */
export const reparamForward = defineOp({
  name: "reparamForward",
  check: (c: Checks, z: DeviceBuffer, mu: DeviceBuffer, logvar: DeviceBuffer, eps: DeviceBuffer, count: number) => {
    c.count(count, "count");
    c.buffer(z, count, "z");
    c.buffer(mu, count, "mu");
    c.buffer(logvar, count, "logvar");
    c.buffer(eps, count, "eps");
  },
  kernel: "reparam_forward",
  wasm(k, z, mu, logvar, eps, count) {
    k.tensor(z).tensor(mu).tensor(logvar).tensor(eps).value(count);
  },
});
