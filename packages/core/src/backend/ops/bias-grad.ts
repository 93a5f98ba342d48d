import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { biasGradCall, checkBiasGrad } from "./shared";

/** db[c] = Σ_r dy[r][c]. The WASM backend sums row blocks as partials. */
export const biasGrad = defineOp({
  name: "biasGrad",
  check: (c: Checks, db: DeviceBuffer, dy: DeviceBuffer, rows: number, channels: number) => checkBiasGrad(c, db, dy, rows, channels),
  kernel: "bias_grad",
  wasm: (k, db, dy, rows, channels) => biasGradCall(k, db, dy, rows, channels, null),
});
