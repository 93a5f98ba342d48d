// Per-channel bias over row-major [rows, channels] data (NHWC activations or dense outputs).
// The gradient overwrites its output.

/** y[r][c] += b[c]. */
export function bias_add(y: usize, b: usize, rows: i32, channels: i32): void {
  const vecEnd = channels & ~3;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c < vecEnd; c += 4) {
      const o = <usize>c << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(b + o)));
    }
    for (; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(y + o, load<f32>(y + o) + load<f32>(b + o));
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

/** db[c] = Σ_r dy[r][c], summed in blocks of BLOCK_ROWS rows (scratch: one row). */
export function bias_grad(db: usize, dy: usize, rows: i32, channels: i32, scratch: usize): void {
  const vecEnd = channels & ~3;
  const rowBytes = <usize>channels << 2;
  memory.fill(db, 0, rowBytes);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = min(rows, r0 + BLOCK_ROWS);
    memory.fill(scratch, 0, rowBytes);
    let src = dy + <usize>r0 * rowBytes;
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
    for (let c = 0; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(scratch + o));
    }
  }
}
