// 2-D convolution, NHWC activations, HWIO filters [kh][kw][cin][cout], symmetric zero
// padding `pad`, equal stride on both axes:
//   y[n,oh,ow,co] = Σ_{i,j,ci} x[n, oh·s − pad + i, ow·s − pad + j, ci] · f[i,j,ci,co]
// and the transposed convolution (decoder upsampling), which is the same pair of maps
// read the other way round.
//
// Every op is an implicit GEMM on tile4x8 (gemm.ts), with no full im2col in memory:
//   forward          rows = output pixels; one segment per tap (i, j), cin floats read in
//                    place from x (a zero row stands in for the padding);
//   backward data    per stride phase (ih mod s, iw mod s) the input pixels of that phase are
//                    reached by a fixed subset of taps: rows = those pixels, segments = their
//                    taps, cout floats read in place from dy; no scatter, no atomics;
//   backward filter  rows = (tap, ci), shared dimension = output pixels, from an im2col chunk
//                    small enough to stay in cache, accumulated chunk by chunk.
// Gradients overwrite their outputs. All shapes are validated by the caller.
// With few input channels (the first conv; the last transposed conv) these tiles are mostly
// empty, and each op first tries the paths of conv_narrow.ts.
import { tile4x8, pack_b_panel, rowTables, MR, NR, TILE_SCRATCH } from "./gemm";
import { align16, copyFloats, zeroFloats } from "./conv_helpers";
import {
  conv2d_forward_few_inputs, conv2d_backward_data_few_inputs, conv2d_backward_filter_few_inputs,
} from "./conv_narrow";

// Where conv_narrow.ts takes over, from 4×4 stride-2 timings at batch 64: its patch paths
// were faster up to cin = 12 (and level at 32), its data gradient up to cin = 4 (slower at 8).
/** Below this many input channels the forward pass and the filter gradient gather whole patches (conv_narrow.ts). */
const FEW_INPUTS_PATCHES = 16;
/** Up to this many input channels the data gradient goes through G = dy · fᵀ (conv_narrow.ts). */
const FEW_INPUTS_GATHER = 4;

/** Output pixels per im2col chunk in the filter gradient: about 128 KiB of floats. */
// @ts-ignore: decorator
@inline function filterChunk(k: i32): i32 {
  return max(8, min(256, 32768 / k));
}

// @ts-ignore: decorator
@inline function panelsOf(width: i32): i32 {
  return (width + NR - 1) / NR;
}

/** Scratch bytes that every conv2d op (and the transposed ops with cin/cout swapped) needs. */
export function conv2d_scratch(cin: i32, cout: i32, kh: i32, kw: i32, stride: i32): usize {
  const taps = kh * kw;
  const k = taps * cin;
  const forward = <usize>taps * MR * 4 + 16 + <usize>cin * 4 + 16 + <usize>k * panelsOf(cout) * NR * 4;
  const phaseTaps = ((kh + stride - 1) / stride) * ((kw + stride - 1) / stride);
  const data = <usize>phaseTaps * MR * 4 + 16 + <usize>cout * 4 + 16 + <usize>phaseTaps * cout * panelsOf(cin) * NR * 4;
  const pc = filterChunk(k);
  const filter = <usize>MR * 4 + 16 + <usize>pc * k * 4 + 16 + <usize>pc * panelsOf(cout) * NR * 4;
  return TILE_SCRATCH + 16 + max(forward, max(data, filter));
}

export function conv2d_forward(
  y: usize, x: usize, f: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  if (cin < FEW_INPUTS_PATCHES && conv2d_forward_few_inputs(y, x, f, n, h, w, cin, ho, wo, cout, kh, kw, stride, pad,
    scratch, conv2d_scratch(cin, cout, kh, kw, stride))) return;
  const taps = kh * kw;
  const k = taps * cin;
  const panels = panelsOf(cout);
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const zero = align16(aTab + <usize>taps * MR * 4);
  const packed = align16(zero + (<usize>cin << 2));
  const panelBytes = <usize>k * NR * 4;
  zeroFloats(zero, cin);
  for (let jp = 0; jp < panels; jp++) {
    pack_b_panel(packed + <usize>jp * panelBytes, f, cout, 0, 0, k, jp * NR, min(NR, cout - jp * NR));
  }
  const pixels = n * ho * wo;
  for (let p0 = 0; p0 < pixels; p0 += MR) {
    const mr = min(MR, pixels - p0);
    for (let r = 0; r < MR; r++) {
      const p = p0 + min(r, mr - 1); // rows past the edge repeat the last one; never stored
      const ow = p % wo, oh = (p / wo) % ho, ni = p / (wo * ho);
      store<usize>(cTab + (<usize>r << 2), y + ((<usize>p * cout) << 2));
      const ih0 = oh * stride - pad, iw0 = ow * stride - pad;
      let slot = aTab + (<usize>r << 2);
      for (let i = 0; i < kh; i++) {
        const ih = ih0 + i;
        for (let j = 0; j < kw; j++) {
          const iw = iw0 + j;
          const inside = <u32>ih < <u32>h && <u32>iw < <u32>w;
          store<usize>(slot, inside ? x + ((<usize>((ni * h + ih) * w + iw) * cin) << 2) : zero);
          slot += MR * 4;
        }
      }
    }
    for (let jp = 0; jp < panels; jp++) {
      tile4x8(aTab, taps, cin, 4, packed + <usize>jp * panelBytes, NR * 4, cTab, <usize>(jp * NR) << 2, 4,
        mr, min(NR, cout - jp * NR), 0, stage);
    }
  }
}

export function conv2d_backward_data(
  dx: usize, dy: usize, f: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  if (cin <= FEW_INPUTS_GATHER && conv2d_backward_data_few_inputs(dx, dy, f, n, h, w, cin, ho, wo, cout, kh, kw, stride, pad,
    scratch, conv2d_scratch(cin, cout, kh, kw, stride))) return;
  const panels = panelsOf(cin);
  const maxTaps = ((kh + stride - 1) / stride) * ((kw + stride - 1) / stride);
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const zero = align16(aTab + <usize>maxTaps * MR * 4);
  const packed = align16(zero + (<usize>cout << 2));
  zeroFloats(zero, cout);
  for (let ph = 0; ph < stride; ph++) {
    for (let pw = 0; pw < stride; pw++) {
      const rowsH = ph < h ? (h - ph + stride - 1) / stride : 0;
      const rowsW = pw < w ? (w - pw + stride - 1) / stride : 0;
      if (rowsH == 0 || rowsW == 0) continue;
      // Taps that reach input row ih ≡ ph (mod s): i ≡ ph + pad (mod s).
      const i0 = (ph + pad) % stride, j0 = (pw + pad) % stride;
      const tapsH = i0 < kh ? (kh - i0 + stride - 1) / stride : 0;
      const tapsW = j0 < kw ? (kw - j0 + stride - 1) / stride : 0;
      const taps = tapsH * tapsW;
      const rows = n * rowsH * rowsW;
      const panelBytes = <usize>taps * cout * NR * 4;
      // B for this phase: row (tap, co), column ci = f[i, j, ci, co].
      for (let jp = 0; jp < panels; jp++) {
        let dst = packed + <usize>jp * panelBytes;
        for (let a = 0; a < tapsH; a++) {
          for (let b = 0; b < tapsW; b++) {
            const tapBase = ((i0 + a * stride) * kw + (j0 + b * stride)) * cin;
            for (let co = 0; co < cout; co++) {
              for (let jj = 0; jj < NR; jj++) {
                const ci = jp * NR + jj;
                store<f32>(dst + (<usize>jj << 2), ci < cin ? load<f32>(f + ((<usize>(tapBase + ci) * cout + co) << 2)) : 0);
              }
              dst += NR * 4;
            }
          }
        }
      }
      for (let q0 = 0; q0 < rows; q0 += MR) {
        const mr = min(MR, rows - q0);
        for (let r = 0; r < MR; r++) {
          const q = q0 + min(r, mr - 1);
          const iw = pw + (q % rowsW) * stride;
          const ih = ph + ((q / rowsW) % rowsH) * stride;
          const ni = q / (rowsW * rowsH);
          store<usize>(cTab + (<usize>r << 2), dx + ((<usize>((ni * h + ih) * w + iw) * cin) << 2));
          let slot = aTab + (<usize>r << 2);
          for (let a = 0; a < tapsH; a++) {
            const ohs = ih + pad - (i0 + a * stride); // a multiple of s by the choice of i0
            const oh = ohs / stride;
            for (let b = 0; b < tapsW; b++) {
              const ows = iw + pad - (j0 + b * stride);
              const ow = ows / stride;
              const inside = ohs >= 0 && oh < ho && ows >= 0 && ow < wo;
              store<usize>(slot, inside ? dy + ((<usize>((ni * ho + oh) * wo + ow) * cout) << 2) : zero);
              slot += MR * 4;
            }
          }
        }
        if (taps == 0) {
          for (let r = 0; r < mr; r++) zeroFloats(load<usize>(cTab + (<usize>r << 2)), cin);
          continue;
        }
        for (let jp = 0; jp < panels; jp++) {
          tile4x8(aTab, taps, cout, 4, packed + <usize>jp * panelBytes, NR * 4, cTab, <usize>(jp * NR) << 2, 4,
            mr, min(NR, cin - jp * NR), 0, stage);
        }
      }
    }
  }
}

export function conv2d_backward_filter(
  df: usize, dy: usize, x: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  if (cin < FEW_INPUTS_PATCHES && conv2d_backward_filter_few_inputs(df, dy, x, n, h, w, cin, ho, wo, cout, kh, kw, stride, pad,
    scratch, conv2d_scratch(cin, cout, kh, kw, stride))) return;
  const k = kh * kw * cin;
  const panels = panelsOf(cout);
  const chunk = filterChunk(k);
  const stage = scratch;
  const cTab = stage + MR * NR * 4;
  const aTab = cTab + MR * 4;
  const col = align16(aTab + MR * 4);
  const packed = align16(col + <usize>chunk * k * 4);
  const pixels = n * ho * wo;
  if (pixels == 0) zeroFloats(df, k * cout);
  for (let p0 = 0; p0 < pixels; p0 += chunk) {
    const pc = min(chunk, pixels - p0);
    // im2col rows of this chunk: row pp = the k inputs output pixel p0 + pp reads.
    let dst = col;
    for (let pp = 0; pp < pc; pp++) {
      const p = p0 + pp;
      const ow = p % wo, oh = (p / wo) % ho, ni = p / (wo * ho);
      const ih0 = oh * stride - pad, iw0 = ow * stride - pad;
      for (let i = 0; i < kh; i++) {
        const ih = ih0 + i;
        for (let j = 0; j < kw; j++) {
          const iw = iw0 + j;
          if (<u32>ih < <u32>h && <u32>iw < <u32>w) {
            copyFloats(dst, x + ((<usize>((ni * h + ih) * w + iw) * cin) << 2), cin);
          } else {
            zeroFloats(dst, cin);
          }
          dst += <usize>cin << 2;
        }
      }
    }
    const panelBytes = <usize>pc * NR * 4;
    for (let jp = 0; jp < panels; jp++) {
      pack_b_panel(packed + <usize>jp * panelBytes, dy, cout, 0, p0, pc, jp * NR, min(NR, cout - jp * NR));
    }
    for (let i0 = 0; i0 < k; i0 += MR) {
      const mr = min(MR, k - i0);
      rowTables(aTab, cTab, i0, mr, col, 4, df, <usize>cout << 2);
      for (let jp = 0; jp < panels; jp++) {
        tile4x8(aTab, 1, pc, <usize>k << 2, packed + <usize>jp * panelBytes, NR * 4, cTab, <usize>(jp * NR) << 2, 4,
          mr, min(NR, cout - jp * NR), p0 > 0 ? 1 : 0, stage);
      }
    }
  }
}

// Transposed convolution: x [n, hIn, wIn, cin] → y [n, hOut, wOut, cout] with filter
// [kh][kw][cout][cin], the map whose adjoint is conv2d with that filter read as HWIO
// (I = cout, O = cin). So its forward is conv2d's data gradient, its data gradient is
// conv2d's forward, and its filter gradient is conv2d's filter gradient with the roles of
// input and upstream gradient exchanged. Scratch: conv2d_scratch(cout, cin, kh, kw, stride).

export function conv2d_transpose_forward(
  y: usize, x: usize, f: usize,
  n: i32, hIn: i32, wIn: i32, cin: i32, hOut: i32, wOut: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  conv2d_backward_data(y, x, f, n, hOut, wOut, cout, hIn, wIn, cin, kh, kw, stride, pad, scratch);
}

export function conv2d_transpose_backward_data(
  dx: usize, dy: usize, f: usize,
  n: i32, hIn: i32, wIn: i32, cin: i32, hOut: i32, wOut: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  conv2d_forward(dx, dy, f, n, hOut, wOut, cout, hIn, wIn, cin, kh, kw, stride, pad, scratch);
}

export function conv2d_transpose_backward_filter(
  df: usize, dy: usize, x: usize,
  n: i32, hIn: i32, wIn: i32, cin: i32, hOut: i32, wOut: i32, cout: i32,
  kh: i32, kw: i32, stride: i32, pad: i32, scratch: usize,
): void {
  conv2d_backward_filter(df, x, dy, n, hOut, wOut, cout, hIn, wIn, cin, kh, kw, stride, pad, scratch);
}
