// Per-channel bias over row-major [rows, channels] data (NHWC activations or dense outputs).
// The gradient overwrites its output. A ReLU that follows the bias fuses into both passes,
// saving a read and a write of the activation each way.

/**
 * y[r][c] = max(y[r][c] + b[c], floor). A floor of −∞ adds the bias alone (NaN still
 * propagates, as f32 max does); a floor of 0 fuses the ReLU that follows the bias into the
 * same pass over y.
 */
export function bias_add(y: usize, b: usize, rows: i32, channels: i32, floor: f32): void {
  const vecEnd = channels & ~3;
  const vfloor = f32x4.splat(floor);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c < vecEnd; c += 4) {
      const o = <usize>c << 2;
      v128.store(y + o, f32x4.max(f32x4.add(v128.load(y + o), v128.load(b + o)), vfloor));
    }
    for (; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(y + o, max(load<f32>(y + o) + load<f32>(b + o), floor));
    }
    y += <usize>channels << 2;
  }
}

/** Rows summed per block before joining the total, so long sums keep their precision. */
const BLOCK_ROWS = 64;

/** Scratch bytes `bias_grad` needs. */
export function bias_grad_scratch(channels: i32): usize {
  return <usize>channels << 2;
}

/**
 * db[c] = Σ_r dy[r][c], summed in blocks of BLOCK_ROWS rows (scratch: one row). With a ReLU
 * output `y` (0 for none), dy is first masked in place to dy·[y > 0]: the ReLU's backward
 * fused into the same pass.
 */
export function bias_grad(db: usize, dy: usize, rows: i32, channels: i32, scratch: usize, y: usize): void {
  const vecEnd = channels & ~3;
  const rowBytes = <usize>channels << 2;
  memory.fill(db, 0, rowBytes);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = min(rows, r0 + BLOCK_ROWS);
    memory.fill(scratch, 0, rowBytes);
    let src = dy + <usize>r0 * rowBytes;
    if (y) {
      const zero = f32x4.splat(0);
      let out = y + <usize>r0 * rowBytes;
      for (let r = r0; r < r1; r++) {
        let c = 0;
        for (; c < vecEnd; c += 4) {
          const o = <usize>c << 2;
          const g = v128.and(v128.load(src + o), f32x4.gt(v128.load(out + o), zero));
          v128.store(src + o, g);
          v128.store(scratch + o, f32x4.add(v128.load(scratch + o), g));
        }
        for (; c < channels; c++) {
          const o = <usize>c << 2;
          const g: f32 = load<f32>(out + o) > 0 ? load<f32>(src + o) : 0;
          store<f32>(src + o, g);
          store<f32>(scratch + o, load<f32>(scratch + o) + g);
        }
        src += rowBytes;
        out += rowBytes;
      }
    } else {
      for (let r = r0; r < r1; r++) {
        let c = 0;
        for (; c < vecEnd; c += 4) {
          const o = <usize>c << 2;
          v128.store(scratch + o, f32x4.add(v128.load(scratch + o), v128.load(src + o)));
        }
        for (; c < channels; c++) {
          const o = <usize>c << 2;
          store<f32>(scratch + o, load<f32>(scratch + o) + load<f32>(src + o));
        }
        src += rowBytes;
      }
    }
    for (let c = 0; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(scratch + o));
    }
  }
}
