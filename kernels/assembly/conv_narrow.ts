// Convolution passes for a side with few channels: the first conv of an image encoder
// (cin = 1) and, through the transposed wrappers in conv.ts, the last transposed conv of a
// decoder (cout = 1). Same maps, layouts and overwrite semantics as conv.ts; conv.ts picks
// these paths. With one channel the implicit GEMM of conv.ts degenerates: a segment of one
// float per tap (forward, filter gradient) or a 4×8 tile with one useful column (data
// gradient). Here instead:
//   forward          patches are gathered into a small im2col block (whole tap rows, one
//                    vector per row for 4×4 taps and cin = 1), so the tile walks
//                    k = kh·kw·cin in one segment;
//   backward data    first G = dy · fᵀ, a GEMM with k = cout and one column per (tap, ci), for
//                    the few output rows an input row reads, stored column by column; then
//                    each input pixel sums its taps' entries of G, four pixels of a stride
//                    phase per vector;
//   backward filter  the same im2col block as the forward pass, with dy read in place as B.
// Each returns false, touching nothing, when the scratch that conv2d_scratch gives is too
// small for it; conv.ts then takes its general path. Only the n images given are touched.
import { tile4x8, pack_b_panel, rowTables, MR, NR } from "./gemm";
import { madd } from "./common";
import { align16, copyFloats, zeroFloats } from "./conv_helpers";

/** Output pixels per im2col block: for cin = 1 its 128 patch rows and the dy rows the filter gradient reads stay in L1. */
const PATCH_CHUNK = 128;

/**
 * Writes the patches of output pixels p0 .. p0+pc-1 as pc rows of k = kh·kw·cin floats
 * (tap-major, the order of the filter's rows), zeros where a patch leaves the image.
 */
function gatherPatches(
  col: usize, x: usize, p0: i32, pc: i32,
  h: i32, w: i32, cin: i32, ho: i32, wo: i32, kh: i32, kw: i32, stride: i32, pad: i32,
): void {
  const rowFloats = kw * cin;
  const rowBytes = <usize>rowFloats << 2;
  const imageBytes = <usize>h * w * cin << 2;
  let ow = p0 % wo, oh = (p0 / wo) % ho;
  let image = x + <usize>(p0 / (wo * ho)) * imageBytes;
  let dst = col;
  const imageRowBytes = <usize>w * cin << 2;
  for (let pp = 0; pp < pc; pp++) {
    const ih0 = oh * stride - pad, iw0 = ow * stride - pad;
    const wholeRows = iw0 >= 0 && iw0 + kw <= w;
    if (wholeRows && ih0 >= 0 && ih0 + kh <= h) {
      // Inside the image, the common case: kh contiguous runs; one vector each for 4×4 taps and cin = 1.
      let src = image + (<usize>(ih0 * w + iw0) * cin << 2);
      if (rowFloats == 4) {
        for (let i = 0; i < kh; i++, src += imageRowBytes, dst += 16) v128.store(dst, v128.load(src));
      } else {
        for (let i = 0; i < kh; i++, src += imageRowBytes, dst += rowBytes) copyFloats(dst, src, rowFloats);
      }
    } else {
      gatherEdgePatch(dst, image, ih0, iw0, wholeRows, h, w, cin, kh, kw);
      dst += <usize>kh * rowBytes;
    }
    if (++ow == wo) {
      ow = 0;
      if (++oh == ho) {
        oh = 0;
        image += imageBytes;
      }
    }
  }
}

/** One patch that crosses the image's edge: zeros outside it. */
function gatherEdgePatch(
  dst: usize, image: usize, ih0: i32, iw0: i32, wholeRows: bool, h: i32, w: i32, cin: i32, kh: i32, kw: i32,
): void {
  const rowFloats = kw * cin;
  const rowBytes = <usize>rowFloats << 2;
  for (let i = 0; i < kh; i++) {
    const ih = ih0 + i;
    if (<u32>ih >= <u32>h) {
      zeroFloats(dst, rowFloats);
    } else if (wholeRows) {
      copyFloats(dst, image + (<usize>(ih * w + iw0) * cin << 2), rowFloats);
    } else {
      for (let j = 0; j < kw; j++) {
        const iw = iw0 + j;
        const at = dst + (<usize>(j * cin) << 2);
        if (<u32>iw < <u32>w) copyFloats(at, image + (<usize>(ih * w + iw) * cin << 2), cin);
        else zeroFloats(at, cin);
      }
    }
    dst += rowBytes;
  }
}

export function conv2d_forward_few_inputs(
  y: usize, x: usize, f: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize, scratchBytes: usize,
): bool {
  const k = kh * kw * cin;
  const panels = (cout + NR - 1) / NR;
  const panelBytes = <usize>k * NR * 4;
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const packed = align16(aTab + MR * 4);
  const col = align16(packed + <usize>panels * panelBytes);
  const rowBytes = <usize>k << 2;
  if (col + <usize>MR * rowBytes > scratch + scratchBytes) return false;
  const chunk = min(PATCH_CHUNK, <i32>((scratch + scratchBytes - col) / rowBytes)) & ~(MR - 1);
  for (let jp = 0; jp < panels; jp++) {
    pack_b_panel(packed + <usize>jp * panelBytes, f, cout, 0, 0, k, jp * NR, min(NR, cout - jp * NR));
  }
  const pixels = n * ho * wo;
  for (let p0 = 0; p0 < pixels; p0 += chunk) {
    const pc = min(chunk, pixels - p0);
    gatherPatches(col, x, p0, pc, h, w, cin, ho, wo, kh, kw, stride, pad);
    for (let q0 = 0; q0 < pc; q0 += MR) {
      const mr = min(MR, pc - q0);
      rowTables(aTab, cTab, q0, mr, col, rowBytes, y + (<usize>p0 * cout << 2), <usize>cout << 2);
      for (let jp = 0; jp < panels; jp++) {
        tile4x8(aTab, 1, k, 4, packed + <usize>jp * panelBytes, NR * 4, cTab, <usize>(jp * NR) << 2, 4,
          mr, min(NR, cout - jp * NR), 0, stage);
      }
    }
  }
  return true;
}

export function conv2d_backward_filter_few_inputs(
  df: usize, dy: usize, x: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize, scratchBytes: usize,
): bool {
  const k = kh * kw * cin;
  const panels = (cout + NR - 1) / NR;
  const fullPanels = cout / NR;
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const tail = align16(aTab + MR * 4);
  const rowBytes = <usize>k << 2;
  // Per pixel: its patch row, and its dy row's last partial panel when cout is not a multiple of NR.
  const perPixel = rowBytes + NR * 4;
  const room = scratch + scratchBytes - tail - 16; // 16: col's alignment
  const chunk = room < <usize>MR * perPixel ? 0 : min(PATCH_CHUNK, <i32>(room / perPixel)) & ~(MR - 1);
  if (chunk < MR) return false;
  const col = align16(tail + <usize>chunk * NR * 4);
  const pixels = n * ho * wo;
  if (pixels == 0) zeroFloats(df, k * cout);
  for (let p0 = 0; p0 < pixels; p0 += chunk) {
    const pc = min(chunk, pixels - p0);
    gatherPatches(col, x, p0, pc, h, w, cin, ho, wo, kh, kw, stride, pad);
    if (fullPanels < panels) pack_b_panel(tail, dy, cout, 0, p0, pc, fullPanels * NR, cout - fullPanels * NR);
    for (let jp = 0; jp < panels; jp++) {
      // Full panels of dy are read where they lie: 8 floats of each pixel's row.
      const inPlace = jp < fullPanels;
      const b = inPlace ? dy + (<usize>(p0 * cout + jp * NR) << 2) : tail;
      const bStep: usize = inPlace ? <usize>cout << 2 : NR * 4;
      for (let i0 = 0; i0 < k; i0 += MR) {
        const mr = min(MR, k - i0);
        rowTables(aTab, cTab, i0, mr, col, 4, df, <usize>cout << 2);
        tile4x8(aTab, 1, pc, rowBytes, b, bStep, cTab, <usize>(jp * NR) << 2, 4,
          mr, min(NR, cout - jp * NR), p0 > 0 ? 1 : 0, stage);
      }
    }
  }
  return true;
}

export function conv2d_backward_data_few_inputs(
  dx: usize, dy: usize, f: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize, scratchBytes: usize,
): bool {
  // G[(tap, ci)][oh][ow] = Σ_co dy[oh, ow, co] · f[tap, ci, co] for the few output rows that
  // the current input row reads (a ring of ringRows rows), each row with zero margins so that
  // the gather below may read four columns at a time past either edge.
  const cols = kh * kw * cin;
  const panels = (cols + NR - 1) / NR;
  const ringRows = (kh + stride - 1) / stride;
  const leftMargin = kw - 1 - pad > 0 ? (kw - 1 - pad + stride - 1) / stride : 0;
  const rightMargin = max(0, (w - 1 + pad) / stride - (wo - 1)) + 3; // 3: a vector's lanes past the last column
  const rowFloats = leftMargin + wo + rightMargin;
  const slotBytes = <usize>rowFloats << 2;
  const colBytes = <usize>ringRows * slotBytes;
  const maxTaps = ((kh + stride - 1) / stride) * ((kw + stride - 1) / stride);
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const srcTab = aTab + MR * 4;
  const packed = align16(srcTab + <usize>maxTaps * 4);
  const ring = align16(packed + <usize>panels * cout * NR * 4);
  if (ring + <usize>cols * colBytes > scratch + scratchBytes) return false;
  zeroFloats(ring, cols * ringRows * rowFloats);
  for (let jp = 0; jp < panels; jp++) {
    pack_b_panel(packed + <usize>jp * cout * NR * 4, f, cout, 1, 0, cout, jp * NR, min(NR, cols - jp * NR));
  }
  const dyPixel = <usize>cout << 2, dxPixel = <usize>cin << 2;
  const dxColumnStep = <usize>stride * dxPixel;
  for (let ni = 0; ni < n; ni++) {
    const dyImage = dy + <usize>ni * ho * wo * dyPixel;
    const dxImage = dx + <usize>ni * h * w * dxPixel;
    let computed = 0; // output rows below this are in the ring (or have left it)
    for (let ih = 0; ih < h; ih++) {
      const lastRow = min(ho - 1, (ih + pad) / stride);
      for (; computed <= lastRow; computed++) {
        const slot = ring + <usize>(computed % ringRows) * slotBytes + (<usize>leftMargin << 2);
        const dyRow = dyImage + <usize>(computed * wo) * dyPixel;
        for (let q0 = 0; q0 < wo; q0 += MR) {
          const mr = min(MR, wo - q0);
          rowTables(aTab, cTab, q0, mr, dyRow, dyPixel, slot, 4);
          for (let jp = 0; jp < panels; jp++) {
            const b = packed + <usize>jp * cout * NR * 4;
            const nr = min(NR, cols - jp * NR);
            // Stored transposed: column (tap, ci) of the tile goes to G's row for it.
            if (mr == MR && nr == NR) {
              tile4x8Columns(dyRow + <usize>q0 * dyPixel, dyPixel, cout, b, slot + (<usize>q0 << 2) + <usize>(jp * NR) * colBytes, colBytes);
            } else {
              tile4x8(aTab, 1, cout, 4, b, NR * 4, cTab, <usize>(jp * NR) * colBytes, colBytes, mr, nr, 0, stage);
            }
          }
        }
      }
      // Input row ih, one stride phase of columns at a time: dx[ih, pw + c·s] sums, over the
      // taps (i, j) of that phase, G[(i, j)][oh][ow0 + c], four columns c at a time.
      const ph = ih % stride;
      const i0 = (ph + pad) % stride;
      const dxRow = dxImage + <usize>(ih * w) * dxPixel;
      for (let pw = 0; pw < stride && pw < w; pw++) {
        const rowsW = (w - pw + stride - 1) / stride;
        const j0 = (pw + pad) % stride;
        for (let ci = 0; ci < cin; ci++) {
          let taps = 0;
          for (let i = i0; i < kh; i += stride) {
            const ohs = ih + pad - i; // a multiple of s by the choice of i0
            if (ohs < 0 || ohs / stride >= ho) continue;
            const row = ring + <usize>((ohs / stride) % ringRows) * slotBytes;
            for (let j = j0; j < kw; j += stride) {
              const ow0 = (pw + pad - j) / stride; // exact; negative reads the left margin
              store<usize>(srcTab + (<usize>taps << 2), row + <usize>((i * kw + j) * cin + ci) * colBytes + (<usize>(leftMargin + ow0) << 2));
              taps++;
            }
          }
          const dst = dxRow + (<usize>pw * dxPixel) + (<usize>ci << 2);
          for (let c0 = 0; c0 < rowsW; c0 += 4) {
            let sum = f32x4.splat(0);
            for (let t = 0; t < taps; t++) sum = f32x4.add(sum, v128.load(load<usize>(srcTab + (<usize>t << 2)) + (<usize>c0 << 2)));
            const at = dst + <usize>c0 * dxColumnStep;
            store<f32>(at, f32x4.extract_lane(sum, 0));
            if (c0 + 1 < rowsW) store<f32>(at + dxColumnStep, f32x4.extract_lane(sum, 1));
            if (c0 + 2 < rowsW) store<f32>(at + 2 * dxColumnStep, f32x4.extract_lane(sum, 2));
            if (c0 + 3 < rowsW) store<f32>(at + 3 * dxColumnStep, f32x4.extract_lane(sum, 3));
          }
        }
      }
    }
  }
  return true;
}

/**
 * tile4x8 (gemm.ts) for four consecutive rows of A (aRow bytes apart, k floats each) and a
 * full panel of B, storing the tile transposed: column j of the tile, four floats, goes as
 * one vector to dst + j·dstStep. The general tile would stage it and store 32 floats one by one.
 */
function tile4x8Columns(a: usize, aRow: usize, k: i32, b: usize, dst: usize, dstStep: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let p0 = a, p1 = a + aRow, p2 = a + 2 * aRow, p3 = a + 3 * aRow;
  for (let kk = 0; kk < k; kk++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    b += NR * 4;
    let v = v128.load32_splat(p0); p0 += 4;
    c00 = madd(v, b0, c00); c01 = madd(v, b1, c01);
    v = v128.load32_splat(p1); p1 += 4;
    c10 = madd(v, b0, c10); c11 = madd(v, b1, c11);
    v = v128.load32_splat(p2); p2 += 4;
    c20 = madd(v, b0, c20); c21 = madd(v, b1, c21);
    v = v128.load32_splat(p3); p3 += 4;
    c30 = madd(v, b0, c30); c31 = madd(v, b1, c31);
  }
  storeColumns(dst, dstStep, c00, c10, c20, c30);
  storeColumns(dst + 4 * dstStep, dstStep, c01, c11, c21, c31);
}

/** Rows r0..r3 (four lanes each) stored as their four columns, dst + j·step for column j. */
// @ts-ignore: decorator
@inline function storeColumns(dst: usize, step: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0.0 r1.0 r0.1 r1.1
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0.2 r1.2 r0.3 r1.3
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}
