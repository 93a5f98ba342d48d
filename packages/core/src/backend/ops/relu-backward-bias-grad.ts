import type { DeviceBuffer } from "../backend";
import { type Checks, defineFusedOp } from "./op";
import { biasGradCall, checkBiasGrad } from "./shared";

/**
 * dy ← dy·[y > 0] in place (the ReLU's backward, y its output), then db[c] = Σ_r dy[r][c]: one
 * pass where the backend fuses them. The WASM backend sums row blocks as partials.
 */
export const reluBackwardBiasGrad = defineFusedOp({
  name: "reluBackwardBiasGrad",
  check: (c: Checks, db: DeviceBuffer, dy: DeviceBuffer, y: DeviceBuffer, rows: number, channels: number) => {
    checkBiasGrad(c, db, dy, rows, channels);
    c.buffer(y, rows * channels, "y");
  },
  kernel: "bias_grad",
  wasm: (k, db, dy, y, rows, channels) => biasGradCall(k, db, dy, rows, channels, y),
  fallback(be, db, dy, y, rows, channels) {
    be.reluBackward(dy, dy, y, rows * channels);
    be.biasGrad(db, dy, rows, channels);
  },
});
