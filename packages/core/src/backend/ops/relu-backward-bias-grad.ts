import type { DeviceBuffer } from "../backend";
import { type Checks, defineFusedOp } from "./op";
import { checkRows } from "./shared";

/**
 * dy ← dy·[y > 0] in place (the ReLU's backward, y its output), then db[c] = Σ_r dy[r][c]: one
 * pass where the backend fuses them. The WASM backend sums row blocks as partials.
 */
export const reluBackwardBiasGrad = defineFusedOp({
  name: "reluBackwardBiasGrad",
  check: (c: Checks, db: DeviceBuffer, dy: DeviceBuffer, y: DeviceBuffer, rows: number, channels: number) => {
    checkRows(c, rows, channels);
    c.buffer(db, channels, "db");
    c.buffer(dy, rows * channels, "dy");
    c.buffer(y, rows * channels, "y");
  },
  // bias_grad(db, dy, rows, channels, scratch, reluOutput)
  kernel: "bias_grad",
  wasm(k, db, dy, y, rows, channels) {
    k.split(rows, rows * channels, "floats").sum(db, channels).slice(dy, channels).extent().value(channels)
      .scratch(k.kernels.bias_grad_scratch(channels)).slice(y, channels);
  },
  fallback(be, db, dy, y, rows, channels) {
    be.reluBackward(dy, dy, y, rows * channels);
    be.biasGrad(db, dy, rows, channels);
  },
});
