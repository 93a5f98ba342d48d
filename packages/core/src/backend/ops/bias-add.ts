import type { DeviceBuffer } from "../backend";
import { type Checks, defineOp } from "./op";
import { checkRows } from "./shared";

/** y[r][c] += b[c]. Rows × channels, channels fastest; the WASM backend cuts it into row blocks. */
export const biasAdd = defineOp({
  name: "biasAdd",
  check: (c: Checks, y: DeviceBuffer, b: DeviceBuffer, rows: number, channels: number) => {
    checkRows(c, rows, channels);
    c.buffer(y, rows * channels, "y");
    c.buffer(b, channels, "b");
  },
  // bias_add(y, b, rows, channels, floor): y = max(y + b, floor)
  kernel: "bias_add",
  wasm(k, y, b, rows, channels) {
    k.split(rows, rows * channels, "floats").slice(y, channels).tensor(b).extent().value(channels).value(-Infinity);
  },
});
