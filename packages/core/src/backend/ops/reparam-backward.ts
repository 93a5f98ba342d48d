import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkElementwise } from "./shared";

/** dmu = dz; dlogvar = dz·ε·exp(lv/2)/2. Too small to split. */
export const reparamBackward = defineOp({
  name: "reparamBackward",
  check: (c: Checks, dmu: DeviceBuffer, dlogvar: DeviceBuffer, dz: DeviceBuffer, logvar: DeviceBuffer, eps: DeviceBuffer, count: number) =>
    checkElementwise(c, count, dmu, "dmu", dlogvar, "dlogvar", dz, "dz", logvar, "logvar", eps, "eps"),
  kernel: "reparam_backward",
  wasm(k, dmu, dlogvar, dz, logvar, eps, count) {
    k.tensor(dmu).tensor(dlogvar).tensor(dz).tensor(logvar).tensor(eps).value(count);
  },
});
