// The register-blocked matrix-multiply core that dense layers and convolutions share.
//
// `tile4x8` keeps a 4×8 block of C in eight f32x4 registers and walks the shared
// dimension once; it never unrolls k by hand (Binaryen -O3 regroups unrolled
// multiply-adds and V8 then spills). Rows of A are given by pointers, so callers can feed
// it rows of a matrix, gathered image patches (implicit im2col) or a packed block without
// copying: each of the `taps` segments has MR row pointers, and element k of a segment
// lies `aStep` bytes after element k-1. B is 8 floats wide and advances `bStep` bytes per
// k, continuing across segments. All sizes and pointers are bytes unless named otherwise.
import { madd } from "./common";

/** Rows of C one tile computes (MR) and floats of B one tile reads per k (NR). */
export const MR = 4;
export const NR = 8;

/** Bytes of the scratch a tile needs: an MR×NR staging tile plus two row-pointer tables. */
export const TILE_SCRATCH: usize = MR * NR * 4 + 2 * MR * 4;

/**
 * Fills a tile's MR row pointers for rows first .. first+rows−1: A's row i at aBase + i·aStep
 * (bytes), C's at cBase + i·cStep. Rows past the edge repeat the last one; they are never stored.
 */
// @ts-ignore: decorator
@inline export function rowTables(aTab: usize, cTab: usize, first: i32, rows: i32, aBase: usize, aStep: usize, cBase: usize, cStep: usize): void {
  for (let r = 0; r < MR; r++) {
    const i = <usize>(first + min(r, rows - 1));
    store<usize>(aTab + (<usize>r << 2), aBase + i * aStep);
    store<usize>(cTab + (<usize>r << 2), cBase + i * cStep);
  }
}

/**
 * C rows (pointers in cTab, each plus cOff bytes; only the first mr are written) receive the first nr columns of
 * Σ_t Σ_k A[t][r][k] · B[t·segLen + k][0..8]; overwritten, or added when accumulate != 0.
 * Consecutive columns of a C row lie cStep bytes apart (4 for a row-major C; the row
 * stride of C when the caller computes Cᵀ). `stage` is MR×NR floats of scratch, used
 * for partial or strided tiles.
 *
 * Four rows, not six: V8 schedules every row's broadcast before the multiply-adds, so six
 * rows need 6 + 2 + 12 vector registers and spill four accumulators to the stack; with
 * four rows 4 + 2 + 8 fit in the 15 that V8 allocates, and eight independent chains still
 * cover the FMA latency.
 */
export function tile4x8(
  aTab: usize, taps: i32, segLen: i32, aStep: usize,
  b: usize, bStep: usize,
  cTab: usize, cOff: usize, cStep: usize, mr: i32, nr: i32, accumulate: i32, stage: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let t = 0; t < taps; t++) {
    let p0 = load<usize>(aTab), p1 = load<usize>(aTab, 4), p2 = load<usize>(aTab, 8), p3 = load<usize>(aTab, 12);
    aTab += 16;
    for (let k = 0; k < segLen; k++) {
      const b0 = v128.load(b);
      const b1 = v128.load(b, 16);
      b += bStep;
      let a = v128.load32_splat(p0); p0 += aStep;
      c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
      a = v128.load32_splat(p1); p1 += aStep;
      c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
      a = v128.load32_splat(p2); p2 += aStep;
      c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
      a = v128.load32_splat(p3); p3 += aStep;
      c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    }
  }
  if (nr == NR && cStep == 4) {
    if (accumulate) {
      storeRowAdd((load<usize>(cTab) + cOff), c00, c01);
      if (mr > 1) storeRowAdd((load<usize>(cTab, 4) + cOff), c10, c11);
      if (mr > 2) storeRowAdd((load<usize>(cTab, 8) + cOff), c20, c21);
      if (mr > 3) storeRowAdd((load<usize>(cTab, 12) + cOff), c30, c31);
    } else {
      storeRow((load<usize>(cTab) + cOff), c00, c01);
      if (mr > 1) storeRow((load<usize>(cTab, 4) + cOff), c10, c11);
      if (mr > 2) storeRow((load<usize>(cTab, 8) + cOff), c20, c21);
      if (mr > 3) storeRow((load<usize>(cTab, 12) + cOff), c30, c31);
    }
    return;
  }
  // Partial or strided: stage the tile, then copy the nr valid columns of the mr valid rows.
  storeRow(stage, c00, c01); storeRow(stage + 32, c10, c11);
  storeRow(stage + 64, c20, c21); storeRow(stage + 96, c30, c31);
  for (let r = 0; r < mr; r++) {
    const dst = load<usize>(cTab + (<usize>r << 2)) + cOff;
    const src = stage + <usize>r * 32;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j * cStep;
      const v = load<f32>(src + (<usize>j << 2));
      store<f32>(dst + o, accumulate ? load<f32>(dst + o) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128): void {
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

// @ts-ignore: decorator
@inline function storeRowAdd(p: usize, lo: v128, hi: v128): void {
  v128.store(p, f32x4.add(v128.load(p), lo));
  v128.store(p, f32x4.add(v128.load(p, 16), hi), 16);
}

/**
 * Packs columns j0..j0+nr of op(B) (rows k0..k0+kLen) into dst as kLen rows of 8 floats,
 * zero-padding columns nr..7. op(B)[k][j] is B[k·ldb + j], or B[j·ldb + k] when transB.
 * ldb is in floats.
 */
export function pack_b_panel(dst: usize, b: usize, ldb: i32, transB: i32, k0: i32, kLen: i32, j0: i32, nr: i32): void {
  if (!transB && nr == 8) {
    let src = b + ((<usize>k0 * ldb + j0) << 2);
    const step = <usize>ldb << 2;
    for (let k = 0; k < kLen; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += step; dst += 32;
    }
    return;
  }
  for (let k = 0; k < kLen; k++) {
    for (let j = 0; j < 8; j++) {
      let v: f32 = 0;
      if (j < nr) {
        const kk = k0 + k, jj = j0 + j;
        v = transB ? load<f32>(b + ((<usize>jj * ldb + kk) << 2)) : load<f32>(b + ((<usize>kk * ldb + jj) << 2));
      }
      store<f32>(dst + (<usize>j << 2), v);
    }
    dst += 32;
  }
}

/** The swapped A·Bᵀ path packs all of Aᵀ at once; it is taken for m up to this… */
const SWAP_MAX_M = 256;
/** …and for a shared dimension of at least this: below it the strided stores of Cᵀ cost more than they save. */
const SWAP_MIN_K = 64;

/** Scratch bytes `gemm` needs for C[m×n] with shared dimension k. */
export function gemm_scratch(m: i32, k: i32): usize {
  const panels = m <= SWAP_MAX_M ? (m + NR - 1) / NR : 1;
  return TILE_SCRATCH + <usize>k * max(panels, 1) * NR * 4;
}

/**
 * C[m×n] = op(A)[m×k] · op(B)[k×n] (or C += … when accumulate != 0), row-major, leading
 * dimensions in floats. op(A) = Aᵀ when transA (A stored k×m), likewise for B.
 */
export function gemm(
  c: usize, a: usize, b: usize,
  m: i32, n: i32, k: i32, lda: i32, ldb: i32, ldc: i32,
  transA: i32, transB: i32, accumulate: i32, scratch: usize,
): void {
  const stage = scratch;
  const aTab = stage + MR * NR * 4;
  const cTab = aTab + MR * 4;
  const packed = cTab + MR * 4;
  if (transB && !transA && m < n && m <= SWAP_MAX_M && k >= SWAP_MIN_K) {
    // C = A·Bᵀ with A the smaller operand (dense backward data: dy·Wᵀ): compute Cᵀ = B·Aᵀ,
    // so the operand that needs a transposing pack is A (m×k, packed once, whole) rather
    // than B (n×k), and each block of B's rows is read once, in place, for every panel.
    // Tiles of Cᵀ are stored down the columns of C.
    const panelBytes = <usize>k * NR * 4;
    for (let i0 = 0; i0 < m; i0 += NR) pack_b_panel(packed + <usize>(i0 / NR) * panelBytes, a, lda, 1, 0, k, i0, min(NR, m - i0));
    for (let j0 = 0; j0 < n; j0 += MR) {
      const mr = min(MR, n - j0);
      rowTables(aTab, cTab, j0, mr, b, <usize>ldb << 2, c, 4);
      for (let i0 = 0; i0 < m; i0 += NR) {
        tile4x8(aTab, 1, k, 4, packed + <usize>(i0 / NR) * panelBytes, NR * 4, cTab, (<usize>i0 * ldc) << 2, <usize>ldc << 2,
          mr, min(NR, m - i0), accumulate, stage);
      }
    }
    return;
  }
  const aStep: usize = transA ? <usize>lda << 2 : 4;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const nr = min(NR, n - j0);
    pack_b_panel(packed, b, ldb, transB, 0, k, j0, nr);
    for (let i0 = 0; i0 < m; i0 += MR) {
      const mr = min(MR, m - i0);
      rowTables(aTab, cTab, i0, mr, a, transA ? 4 : <usize>lda << 2, c, <usize>ldc << 2);
      tile4x8(aTab, 1, k, aStep, packed, NR * 4, cTab, <usize>j0 << 2, 4, mr, nr, accumulate, stage);
    }
  }
}
