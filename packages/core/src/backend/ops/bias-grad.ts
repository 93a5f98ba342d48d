import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkRows } from "./shared";

/** db[c] = Σ_r dy[r][c]. The WASM backend sums row blocks as partials. */
export const biasGrad = defineOp({
  name: "biasGrad",
  check: (c: Checks, db: DeviceBuffer, dy: DeviceBuffer, rows: number, channels: number) => {
    checkRows(c, rows, channels);
    c.buffer(db, channels, "db");
    c.buffer(dy, rows * channels, "dy");
  },
  // bias_grad(db, dy, rows, channels, scratch, reluOutput): no ReLU mask
  kernel: "bias_grad",
  wasm(k, db, dy, rows, channels) {
    k.split(rows, rows * channels, "floats").sum(db, channels).slice(dy, channels).extent().value(channels)
      .scratch(k.kernels.bias_grad_scratch(channels)).tensor(null);
  },
});
