/// <reference types="@webgpu/types" />
import type { OpName } from "@betavae/core";
// WGSL for every op, generated from small templates. Three shader families cover the whole
// backend interface:
//   - gemm:    a GEMM parametrised by how it loads A(m, k), B(k, n) and stores C(m, n), in one
//              of three schedules (see GemmSchedule). Dense layers and all six convolutions
//              are this GEMM with implicit (im2col-style) loads; the two adjoint gathers run as
//              one GEMM per stride phase.
//   - reduce:  column sums of rows × channels terms with a tree reduction in workgroup memory,
//              in as many passes as needed (bias gradients, losses, KL, Σx²).
//   - map:     one invocation per element (ReLU, clamp, add, reparameterisation, loss
//              gradients, KL gradient, Adam, bias add).
//
// Every tensor is a (GPU buffer, element offset) pair: each distinct GPU buffer of a dispatch
// is bound once, as read_write storage, and the operands' element offsets travel in the
// uniform block (slots 0–7), so sub-buffers at any float offset work and aliasing operands
// (x and y carved from one arena, or dx = dy) never bind one buffer twice. Op parameters
// follow from slot 8 on. Sums are f32; reductions add at most 16 terms serially per
// invocation and then pairwise.

/** Uniform block: 32 u32 words; operand offsets in 0–7, op parameters from 8. */
export const PARAM_WORDS = 32;
export const PARAM_BASE = 8;
export const WORKGROUP = 256;

/** The K-depth of a GEMM tile step. */
export const TILE_K = 16;

/** Reduce: rows summed serially per invocation before the tree. */
export const REDUCE_SERIAL = 16;

/** The prelude: uniform block, storage slots, and one load/store pair per operand. */
export function prelude(operands: string[], slots: number[]): string {
  const slotCount = Math.max(0, ...slots) + 1;
  const lines = [
    "struct Params { v: array<vec4<u32>, 8> }",
    "@group(0) @binding(0) var<uniform> P: Params;",
  ];
  for (let s = 0; s < slotCount; s++) lines.push(`@group(0) @binding(${s + 1}) var<storage, read_write> s${s}: array<f32>;`);
  lines.push(
    "fn pu(i: u32) -> u32 { return P.v[i >> 2u][i & 3u]; }",
    "fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }",
  );
  operands.forEach((name, j) => {
    lines.push(`fn ${name}_ld(i: u32) -> f32 { return s${slots[j]}[pu(${j}u) + i]; }`);
    lines.push(`fn ${name}_st(i: u32, v: f32) { s${slots[j]}[pu(${j}u) + i] = v; }`);
  });
  return lines.join("\n") + "\n";
}

// ── GEMM ─────────────────────────────────────────────────────────────────────────────────
// C[M, N] = Σ_k A(m, k)·B(k, n). Parameters: M, N, K at 8, 9, 10 (and the split schedule's
// K-chunk at 11); a convolution's own are literals in its shader.

export interface GemmSpec {
  /** WGSL statements ending in `return vec4<i32>(…);`: what A's loads need of row m (m < M). */
  row: string;
  /** WGSL statements ending in `return …;`, with row (from `row`) and k < K in scope. */
  a: string;
  /** WGSL statements ending in `return …;`, with k, n in scope (k < K, n < N). */
  b: string;
  /** The output operand: C is stored row-major, C[m·N + n]. */
  out: string;
  /** Adds the bias operand b[n] to every row of C. */
  bias?: boolean;
  /** WGSL statements storing v at (m, n) where C is not row-major (the stride phases). */
  store?: string;
}

/**
 * How a GEMM is scheduled:
 *   - tiled:  tm×tn output tiles (32 or 64 each way, fitted to M and N), A and B staged in
 *             workgroup memory;
 *   - split:  tiled, but workgroup z covers only K-chunk z (chunk at slot 11) and writes its
 *             partial C to plane z of the output operand (a scratch buffer), summed afterwards;
 *             for small M·N with a long K (filter gradients), which would leave most of the
 *             GPU idle and run K serially;
 *   - narrow: one invocation per row m and NC ≤ 4 columns, no workgroup memory; for N of 1–4
 *             (the last transposed conv), where a 64-wide tile would be 1/64 useful.
 */
export type GemmSchedule = { kind: "tiled" | "split"; tile: Tile } | { kind: "narrow"; columns: 1 | 2 | 4 };

/** An output tile of the tiled schedules: tm × tn with tm, tn ∈ {32, 64}. */
export interface Tile {
  tm: 32 | 64;
  tn: 32 | 64;
}

/**
 * The tile side for an extent: N = 32 channels should not pay for 64 columns. Not 16: a
 * 16-wide tile's 4×4 workgroup sent SwiftShader's shader compiler into unbounded memory use.
 */
export const tileSide = (extent: number): 32 | 64 => (extent <= 32 ? 32 : 64);

/** The uniform slot of the split schedule's K-chunk length. */
export const SPLIT_CHUNK_SLOT = 11;

function storeC(spec: GemmSpec, split: boolean): string {
  if (split) return `${spec.out}_st((kz * pu(8u) + m) * pu(9u) + n, v);`;
  if (spec.store) return spec.store;
  return `${spec.out}_st(m * pu(9u) + n, v${spec.bias ? " + b_ld(n)" : ""});`;
}

function gemmFunctions(spec: GemmSpec, split: boolean, conv: readonly number[] | undefined): string {
  return `${convParams(conv)}
fn a_row(m: u32) -> vec4<i32> { ${spec.row} }
fn a_at(row: vec4<i32>, k: u32) -> f32 { ${spec.a} }
fn b_at(k: u32, n: u32) -> f32 { ${spec.b} }
fn c_put(m: u32, n: u32, kz: u32, v: f32) { ${storeC(spec, split)} }
`;
}

/** The GEMM's shader; `conv` bakes a convolution's parameters in as literals. */
export function gemmShader(spec: GemmSpec, schedule: GemmSchedule, conv?: readonly number[]): string {
  return schedule.kind === "narrow"
    ? narrowShader(spec, schedule.columns, conv)
    : tiledShader(spec, schedule.tile, schedule.kind === "split", conv);
}

/** One row of C per invocation, `columns` columns per workgroup z; B loads are uniform across the workgroup. */
function narrowShader(spec: GemmSpec, columns: number, conv: readonly number[] | undefined): string {
  const J = Array.from({ length: columns }, (_, j) => j);
  return `${gemmFunctions(spec, false, conv)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let M = pu(8u);
  let N = pu(9u);
  let K = pu(10u);
  let m = (wid.y * nw.x + wid.x) * ${WORKGROUP}u + lid.x;
  if (m >= M) { return; }
  let nBase = wid.z * ${columns}u;
${J.map((j) => `  let n${j} = min(nBase + ${j}u, N - 1u);\n  var c${j} = 0.0;`).join("\n")}
  let row = a_row(m);
  for (var k = 0u; k < K; k++) {
    let a = a_at(row, k);
${J.map((j) => `    c${j} = fma(a, b_at(k, n${j}), c${j});`).join("\n")}
  }
${J.map((j) => `  if (nBase + ${j}u < N) { c_put(m, nBase + ${j}u, 0u, c${j}); }`).join("\n")}
}
`;
}

function tiledShader(spec: GemmSpec, tile: Tile, split: boolean, conv: readonly number[] | undefined): string {
  // Each invocation owns a fully unrolled 4×4 block of C — scalar accumulators, no private
  // arrays (which a software rasteriser may keep in memory) — at rows lid.y + 0, gy, 2gy, 3gy
  // and columns lid.x + 0, gx, 2gx, 3gx of the tile, for a (gx = tn/4) × (gy = tm/4) workgroup.
  const { tm, tn } = tile;
  const gx = tn / 4, gy = tm / 4, threads = gx * gy;
  const R = [0, 1, 2, 3];
  const accs = () => R.flatMap((i) => R.map((j) => `  var c${i}${j} = 0.0;`)).join("\n");
  const inner = () => `    for (var kk = 0u; kk < BK; kk++) {
${R.map((i) => `      let a${i} = As[kk * BM + lid.y + ${i * gy}u];`).join("\n")}
${R.map((j) => `      let b${j} = Bs[kk * BN + lid.x + ${j * gx}u];`).join("\n")}
${R.flatMap((i) => R.map((j) => `      c${i}${j} = fma(a${i}, b${j}, c${i}${j});`)).join("\n")}
    }`;
  // the tiles hold BM·BK and BN·BK floats: each invocation loads BM·BK/threads and BN·BK/threads of them
  const loads = (operand: "a" | "b") => {
    const [rows, count] = operand === "a" ? [tm, (tm * TILE_K) / threads] : [tn, (tn * TILE_K) / threads];
    return Array.from({ length: count }, (_, r) => operand === "a"
      ? `    { let ka = k0 + tid / BM + ${r * (threads / rows)}u; var va = 0.0; if (am < M && ka < kEnd) { va = a_at(arow, ka); } As[tid + ${r * threads}u] = va; }`
      : `    { let kb = k0 + tid / BN + ${r * (threads / rows)}u; var vb = 0.0; if (bn < N && kb < kEnd) { vb = b_at(kb, bn); } Bs[tid + ${r * threads}u] = vb; }`).join("\n");
  };
  const stores = () => R.flatMap((i) => R.map((j) =>
    `  if (m0 + lid.y + ${i * gy}u < M && n0 + lid.x + ${j * gx}u < N) { c_put(m0 + lid.y + ${i * gy}u, n0 + lid.x + ${j * gx}u, kz, c${i}${j}); }`)).join("\n");
  return `
${gemmFunctions(spec, split, conv)}
const BM = ${tm}u;
const BN = ${tn}u;
const BK = ${TILE_K}u;
var<workgroup> As: array<f32, ${tm * TILE_K}>;
var<workgroup> Bs: array<f32, ${tn * TILE_K}>;
@compute @workgroup_size(${gx}, ${gy})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let M = pu(8u);
  let N = pu(9u);
  let K = pu(10u);
  let tid = lid.y * ${gx}u + lid.x;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  // threads % BM = threads % BN = 0: every tile element this invocation loads has the same A
  // row and B column, so the row's index arithmetic (the im2col decode) runs once, not per tile.
  let am = m0 + tid % BM;
  let arow = a_row(min(am, M - 1u));
  let bn = n0 + tid % BN;
  // K-chunk of this workgroup: all of K, or chunk wid.z of the split schedule
  let kz = wid.z;
  let kBegin = ${split ? `kz * pu(${SPLIT_CHUNK_SLOT}u)` : "0u"};
  let kEnd = ${split ? `min(K, kBegin + pu(${SPLIT_CHUNK_SLOT}u))` : "K"};
${accs()}
  for (var k0 = kBegin; k0 < kEnd; k0 += BK) {
${loads("a")}
${loads("b")}
    workgroupBarrier();
${inner()}
    workgroupBarrier();
  }
${stores()}
}
`;
}

// Convolution parameters: batch, inH, inW, inC, outH, outW, outC, kh, kw, stride, pad. They
// are baked into each conv shader as literals (one pipeline per layer shape): the implicit
// im2col's divisions by channel counts, kernel width and stride then compile to shifts and
// multiplies, where a runtime divisor costs a real integer division per element — the bulk
// of the loads on a software adapter.
const CONV_PARAM_NAMES = ["cB", "cIH", "cIW", "cIC", "cOH", "cOW", "cOC", "cKH", "cKW", "cS", "cP"];
export const CONV_PARAM_COUNT = CONV_PARAM_NAMES.length;

function convParams(values: readonly number[] | undefined): string {
  if (!values) return "";
  if (values.length !== CONV_PARAM_COUNT) throw new Error(`conv shader: ${values.length} parameters, expected ${CONV_PARAM_COUNT}`);
  return CONV_PARAM_NAMES.map((name, j) => `fn ${name}() -> u32 { return ${values[j]}u; }`).join("\n");
}

// The conv GEMMs' A loads are gathers (implicit im2col). A conv "pixel" p = (n, h, w) of a
// PH×PW grid and a "tap" t = (i, j, c) with c fastest. The row setup decodes whichever of the
// two is the GEMM row m once per invocation; the load decodes the other from k.
const decodePixel = (v: string, PH: string, PW: string) =>
  `let pw_ = ${v} % ${PW}; let ph_ = (${v} / ${PW}) % ${PH}; let pn_ = ${v} / (${PW} * ${PH});`;
const decodeTap = (v: string, TC: string) =>
  `let tc_ = ${v} % ${TC}; let tj_ = (${v} / ${TC}) % cKW(); let ti_ = ${v} / (${TC} * cKW());`;

/**
 * T[n, ph·s − pad + i, pw·s − pad + j, c] (0 outside T, of size TH×TW×TC), the pixel from a
 * PH×PW grid: with pixelIsRow, row = (n, ph·s − pad, pw·s − pad, ·); else row = (i, j, c, ·).
 */
function strided(t: string, TH: string, TW: string, TC: string, PH: string, PW: string, pixelIsRow: boolean): Pick<GemmSpec, "row" | "a"> {
  const fetch = `if (th < 0 || tw < 0 || th >= i32(${TH}) || tw >= i32(${TW})) { return 0.0; }
    return ${t}_ld(((u32(n) * ${TH} + u32(th)) * ${TW} + u32(tw)) * ${TC} + u32(c));`;
  return pixelIsRow
    ? {
      row: `${decodePixel("m", PH, PW)} return vec4<i32>(i32(pn_), i32(ph_ * cS()) - i32(cP()), i32(pw_ * cS()) - i32(cP()), 0);`,
      a: `${decodeTap("k", TC)} let n = row.x; let c = tc_; let th = row.y + i32(ti_); let tw = row.z + i32(tj_);
    ${fetch}`,
    }
    : {
      row: `${decodeTap("m", TC)} return vec4<i32>(i32(ti_), i32(tj_), i32(tc_), 0);`,
      a: `${decodePixel("k", PH, PW)} let n = pn_; let c = row.z;
    let th = i32(ph_ * cS()) - i32(cP()) + row.x; let tw = i32(pw_ * cS()) - i32(cP()) + row.y;
    ${fetch}`,
    };
}

const ROW_M = "return vec4<i32>(i32(m), 0, 0, 0);";

/**
 * GEMM specs of the ops, by shader key (the two adjoint gathers — conv2d backward data and
 * transposed conv2d forward — are built per stride phase below). Operand names match the
 * backend's dispatches.
 */
export const GEMMS: Record<string, GemmSpec> = {
  // y[n, j] = Σ_i x[n, i]·W[i, j] (+ b[j]); M = batch, N = out, K = in
  dense_fwd: { row: ROW_M, a: "return x_ld(u32(row.x) * pu(10u) + k);", b: "return w_ld(k * pu(9u) + n);", out: "y" },
  dense_fwd_bias: { row: ROW_M, a: "return x_ld(u32(row.x) * pu(10u) + k);", b: "return w_ld(k * pu(9u) + n);", out: "y", bias: true },
  // dx[n, i] = Σ_j dy[n, j]·W[i, j]; M = batch, N = in, K = out
  dense_bwd_data: { row: ROW_M, a: "return dy_ld(u32(row.x) * pu(10u) + k);", b: "return w_ld(n * pu(10u) + k);", out: "dx" },
  // dW[i, j] = Σ_n x[n, i]·dy[n, j]; M = in, N = out, K = batch
  dense_bwd_weights: { row: ROW_M, a: "return x_ld(k * pu(8u) + u32(row.x));", b: "return dy_ld(k * pu(9u) + n);", out: "dw" },

  // conv2d forward: M = batch·OH·OW, N = OC, K = KH·KW·IC
  conv_fwd: { ...strided("x", "cIH()", "cIW()", "cIC()", "cOH()", "cOW()", true), b: "return f_ld(k * pu(9u) + n);", out: "y" },
  // conv2d backward filter: M = KH·KW·IC, N = OC, K = batch·OH·OW
  conv_bwd_filter: { ...strided("x", "cIH()", "cIW()", "cIC()", "cOH()", "cOW()", false), b: "return dy_ld(k * pu(9u) + n);", out: "df" },
  // transposed backward data: M = batch·IH·IW, N = IC, K = KH·KW·OC; fT[k, ci]
  convT_bwd_data: { ...strided("dy", "cOH()", "cOW()", "cOC()", "cIH()", "cIW()", true), b: "return f_ld(k * pu(9u) + n);", out: "dx" },
  // transposed backward filter: M = KH·KW·OC, N = IC, K = batch·IH·IW
  convT_bwd_filter: { ...strided("dy", "cOH()", "cOW()", "cOC()", "cIH()", "cIW()", false), b: "return x_ld(k * pu(9u) + n);", out: "df" },
};

/**
 * One stride phase (rh, rw) of an adjoint gather (conv2d backward data, transposed conv2d
 * forward). Pixel q of the large grid meets T through tap i only when (q + pad − i) is a
 * multiple of the stride, i.e. i ≡ q + pad (mod s): grouping the pixels by that residue, each
 * group is a dense GEMM over its own taps, with no zero taps — s² fewer multiply-adds than
 * the plain adjoint gather, and no divisibility tests in the loads.
 */
export interface StridePhase {
  rh: number;
  rw: number;
  /** taps of the phase along h and w: i = rh + s·i′ for i′ < taps */
  taps: [number, number];
  /** the phase's pixels: q = (first + u)·s + r − pad for u < count */
  first: [number, number];
  count: [number, number];
}

/** The s² stride phases of an adjoint gather onto a QH×QW grid (phases without pixels left out). */
export function stridePhases(qh: number, qw: number, kh: number, kw: number, stride: number, pad: number): StridePhase[] {
  const along = (q: number, k: number, r: number) => {
    const first = Math.max(0, Math.ceil((pad - r) / stride));
    const end = Math.floor((q - 1 + pad - r) / stride) + 1;
    return { taps: Math.max(0, Math.ceil((k - r) / stride)), first, count: Math.max(0, end - first) };
  };
  const phases: StridePhase[] = [];
  for (let rh = 0; rh < stride; rh++) {
    for (let rw = 0; rw < stride; rw++) {
      const h = along(qh, kh, rh), w = along(qw, kw, rw);
      if (h.count > 0 && w.count > 0) phases.push({ rh, rw, taps: [h.taps, w.taps], first: [h.first, w.first], count: [h.count, w.count] });
    }
  }
  return phases;
}

/**
 * The GEMM of one stride phase: M = batch·count_h·count_w pixels, K = taps_h·taps_w·TC, with
 * T (TH×TW×TC) gathered from and C scattered to the QH×QW grid. `filter` gives f's index of
 * (tap, k mod TC, n) in the op's own layout.
 */
function phasedAdjoint(t: string, TH: string, TW: string, TC: string, QH: string, QW: string, out: string,
  filter: (tap: string, c: string) => string, p: StridePhase): GemmSpec {
  const [PH, PW] = p.count.map((c) => `${c}u`);
  const [UH, UW] = p.first.map((f) => `${f}u`);
  // a phase with no taps along a side has K = 0 and never loads; keep its divisors non-zero
  const TKW = `${Math.max(1, p.taps[1])}u`;
  const decode = `let pb_ = m % ${PW}; let pa_ = (m / ${PW}) % ${PH}; let pn_ = m / (${PW} * ${PH});`;
  return {
    row: `${decode} return vec4<i32>(i32(pn_), i32(pa_ + ${UH}), i32(pb_ + ${UW}), 0);`,
    a: `let c = k % ${TC}; let jj = (k / ${TC}) % ${TKW}; let ii = k / (${TC} * ${TKW});
    let th = row.y - i32(ii); let tw = row.z - i32(jj);
    if (th < 0 || tw < 0 || th >= i32(${TH}) || tw >= i32(${TW})) { return 0.0; }
    return ${t}_ld(((u32(row.x) * ${TH} + u32(th)) * ${TW} + u32(tw)) * ${TC} + c);`,
    b: `let c = k % ${TC}; let kk = k / ${TC};
    let tap = (${p.rh}u + cS() * (kk / ${TKW})) * cKW() + ${p.rw}u + cS() * (kk % ${TKW});
    return f_ld(${filter("tap", "c")});`,
    out,
    store: `${decode}
    let qh = (pa_ + ${UH}) * cS() + ${p.rh}u - cP(); let qw = (pb_ + ${UW}) * cS() + ${p.rw}u - cP();
    ${out}_st(((pn_ * ${QH} + qh) * ${QW} + qw) * pu(9u) + n, v);`,
  };
}

/** conv2d backward data by stride phase: dx[n, q, ci] = Σ dy[n, ·, co]·f[(i, j, ci), co]. */
export const convBackwardDataPhase = (p: StridePhase) =>
  phasedAdjoint("dy", "cOH()", "cOW()", "cOC()", "cIH()", "cIW()", "dx", (tap, co) => `(${tap} * cIC() + n) * cOC() + ${co}`, p);
/** transposed conv2d forward by stride phase: y[n, q, co] = Σ x[n, ·, ci]·fT[(i, j, co), ci]. */
export const convTransposeForwardPhase = (p: StridePhase) =>
  phasedAdjoint("x", "cIH()", "cIW()", "cIC()", "cOH()", "cOW()", "y", (tap, ci) => `(${tap} * cOC() + n) * cIC() + ${ci}`, p);

// ── reduce ───────────────────────────────────────────────────────────────────────────────
// out[c] (or partial[g·C + c]) = Σ_r term(r·C + c) over a block of rows. Parameters: rows R at
// 8, channels C at 9, final flag at 10 (1: write out·scale + offset, 0: write partial[g·C + c]),
// scale (f32) at 11, offset (f32) at 12. Operands: the term's inputs, then `out`.

export const REDUCE_TERMS: Record<string, { operands: string[]; term: string }> = {
  sum: { operands: ["a"], term: "return a_ld(i);" },
  sq: { operands: ["a"], term: "let v = a_ld(i); return v * v;" },
  // max(l, 0) − l·t + log1p(exp(−|l|)); log1p(x) = log(u)·x/(u − 1) with u = 1 + x (exact to an ulp or two)
  bernoulli: {
    operands: ["a", "b"],
    term: `let l = a_ld(i); let t = b_ld(i);
      let x = exp(-abs(l)); let u = 1.0 + x;
      var lp = x;
      if (u != 1.0) { lp = log(u) * (x / (u - 1.0)); }
      return max(l, 0.0) - l * t + lp;`,
  },
  diffsq: { operands: ["a", "b"], term: "let d = a_ld(i) - b_ld(i); return d * d;" },
  // 0.5·(μ² + exp(lv) − lv − 1)
  kl: { operands: ["a", "b"], term: "let m = a_ld(i); let lv = b_ld(i); return 0.5 * (m * m + exp(lv) - lv - 1.0);" },
};

/** Columns per workgroup: 16 when there are several channels, 1 for a scalar sum. */
export function reduceShader(term: string, cols: number): string {
  const rowsLanes = WORKGROUP / cols;
  return `
fn term(i: u32) -> f32 { ${REDUCE_TERMS[term].term} }
var<workgroup> part: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${cols}, ${rowsLanes})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let R = pu(8u);
  let C = pu(9u);
  let c = wid.x * ${cols}u + lid.x;
  let rowBase = wid.y * ${rowsLanes * REDUCE_SERIAL}u + lid.y;
  var sum = 0.0;
  if (c < C) {
    for (var t = 0u; t < ${REDUCE_SERIAL}u; t++) {
      let r = rowBase + t * ${rowsLanes}u;
      if (r < R) { sum += term(r * C + c); }
    }
  }
  let slot = lid.y * ${cols}u + lid.x;
  part[slot] = sum;
  workgroupBarrier();
  for (var half = ${rowsLanes / 2}u; half > 0u; half = half >> 1u) {
    if (lid.y < half) { part[slot] = part[slot] + part[slot + half * ${cols}u]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && c < C) {
    let total = part[lid.x];
    if (pu(10u) == 1u) { out_st(c, total * pf(11u) + pf(12u)); } else { out_st(wid.y * C + c, total); }
  }
}
`;
}

/** Rows one reduce workgroup covers. */
export const reduceRowsPerGroup = (cols: number) => (WORKGROUP / cols) * REDUCE_SERIAL;

// ── map ──────────────────────────────────────────────────────────────────────────────────
// One invocation per element i < count (count at 8); op parameters from 9. Keyed by the op
// (core's OPS) each shader runs.

export const MAPS = {
  reluForward: { operands: ["y", "x"], body: "y_st(i, max(x_ld(i), 0.0));" },
  reluBackward: { operands: ["dx", "dy", "y"], body: "let g = dy_ld(i); dx_st(i, select(0.0, g, y_ld(i) > 0.0));" },
  // slope (f32) at 9
  leakyReluForward: { operands: ["y", "x"], body: "let v = x_ld(i); y_st(i, select(pf(9u) * v, v, v > 0.0));" },
  leakyReluBackward: { operands: ["dx", "dy", "y"], body: "let g = dy_ld(i); dx_st(i, select(pf(9u) * g, g, y_ld(i) > 0.0));" },
  clampForward: { operands: ["y", "x"], body: "y_st(i, min(max(x_ld(i), pf(9u)), pf(10u)));" },
  clampBackward: {
    operands: ["dx", "dy", "x"],
    body: "let g = dy_ld(i); let v = x_ld(i); dx_st(i, select(0.0, g, v > pf(9u) && v < pf(10u)));",
  },
  add: { operands: ["out", "a", "b"], body: "out_st(i, a_ld(i) + b_ld(i));" },
  biasAdd: { operands: ["y", "b"], body: "y_st(i, y_ld(i) + b_ld(i % pu(9u)));" },
  reparamForward: { operands: ["z", "mu", "lv", "eps"], body: "z_st(i, mu_ld(i) + exp(0.5 * lv_ld(i)) * eps_ld(i));" },
  reparamBackward: {
    operands: ["dmu", "dlv", "dz", "lv", "eps"],
    body: "let g = dz_ld(i); let e = eps_ld(i); let s = exp(0.5 * lv_ld(i)); dmu_st(i, g); dlv_st(i, g * e * 0.5 * s);",
  },
  // (sigmoid(l) − t) / batch; batch (f32) at 9
  bernoulliNllBackward: { operands: ["d", "l", "t"], body: "let l = l_ld(i); d_st(i, (1.0 / (1.0 + exp(-l)) - t_ld(i)) / pf(9u));" },
  // (x − t) / (variance·batch); the denominator (f32) at 9
  gaussianNllBackward: { operands: ["d", "x", "t"], body: "d_st(i, (x_ld(i) - t_ld(i)) / pf(9u));" },
  // weight at 9, batch at 10 (f32), accumulate flag at 11
  klBackward: {
    operands: ["dmu", "dlv", "mu", "lv"],
    body: `let w = pf(9u); let nb = pf(10u);
      var gm = w * mu_ld(i) / nb;
      var gl = w * 0.5 * (exp(lv_ld(i)) - 1.0) / nb;
      if (pu(11u) == 1u) { gm = dmu_ld(i) + gm; gl = dlv_ld(i) + gl; }
      dmu_st(i, gm); dlv_st(i, gl);`,
  },
  // lr, beta1, 1 − beta1, beta2, 1 − beta2, eps, 1 − beta1^t, 1 − beta2^t (f32) at 9–16
  adamUpdate: {
    operands: ["p", "g", "m", "v"],
    body: `let g = g_ld(i);
      let m = pf(10u) * m_ld(i) + pf(11u) * g;
      let v = pf(12u) * v_ld(i) + pf(13u) * g * g;
      m_st(i, m); v_st(i, v);
      p_st(i, p_ld(i) - pf(9u) * (m / pf(15u)) / (sqrt(v / pf(16u)) + pf(14u)));`,
  },
} satisfies Partial<Record<OpName, { operands: string[]; body: string }>>;

/** An op that one map shader runs whole. */
export type MappedOp = keyof typeof MAPS;

export function mapShader(body: string): string {
  return `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = (wid.y * nw.x + wid.x) * ${WORKGROUP}u + lid.x;
  if (i >= pu(8u)) { return; }
  ${body}
}
`;
}
