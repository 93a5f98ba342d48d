import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise } from "./shared";

/** z = μ + exp(lv/2)·ε. Too small to split. */
export const reparamForward = defineOp({
  name: "reparamForward",
  check: (c: Checks, z: DeviceBuffer, mu: DeviceBuffer, logvar: DeviceBuffer, eps: DeviceBuffer, count: number) =>
    checkElementwise(c, count, z, "z", mu, "mu", logvar, "logvar", eps, "eps"),
  kernel: "reparam_forward",
  wasm(k, z, mu, logvar, eps, count) {
    k.tensor(z).tensor(mu).tensor(logvar).tensor(eps).value(count);
  },
});
