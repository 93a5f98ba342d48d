import type { DeviceBuffer } from "../backend";
import { type Checks, defineFusedOp } from "./op";
import { biasAddCall, checkBiasAdd } from "./shared";

/**
 * y[r][c] = max(y[r][c] + b[c], 0): a bias and the ReLU after it, in one pass where the backend
 * fuses them; the WASM backend cuts it into row blocks.
 */
export const biasAddRelu = defineFusedOp({
  name: "biasAddRelu",
  check: (c: Checks, y: DeviceBuffer, b: DeviceBuffer, rows: number, channels: number) => checkBiasAdd(c, y, b, rows, channels),
  kernel: "bias_add",
  wasm: (k, y, b, rows, channels) => biasAddCall(k, y, b, rows, channels, 0),
  fallback(be, y, b, rows, channels) {
    be.biasAdd(y, b, rows, channels);
    be.reluForward(y, y, rows * channels);
  },
});
