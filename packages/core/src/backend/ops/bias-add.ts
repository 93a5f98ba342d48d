import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { biasAddCall, checkBiasAdd } from "./shared";

/** y[r][c] += b[c] over rows × channels, channels fastest; the WASM backend cuts it into row blocks. */
export const biasAdd = defineOp({
  name: "biasAdd",
  check: (c: Checks, y: DeviceBuffer, b: DeviceBuffer, rows: number, channels: number) => checkBiasAdd(c, y, b, rows, channels),
  kernel: "bias_add",
  wasm: (k, y, b, rows, channels) => biasAddCall(k, y, b, rows, channels, -Infinity),
});
