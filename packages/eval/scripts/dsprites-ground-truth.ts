// Writes dSprites' ground-truth code as a `bvae eval --codes` file: ROWS factor draws from
// Rng(SEED), their codes as `groundTruthEncoder` gives them (each varying factor's value
// standardised, float32) and their factor indices (int64, all six factors; the constant colour
// is left out when scored). The first two thirds fit, the rest test: the default 15,000 rows are
// disentanglement_lib's 10,000 / 5,000, the same draw as `bvae eval --encoder ground-truth`.
//
//   npx tsx packages/eval/scripts/dsprites-ground-truth.ts OUT.npz [--rows 15000] [--seed 0]
//   bvae eval --codes OUT.npz --out DIR
import { writeFileSync } from "node:fs";
import { Rng } from "@betavae/core";
import { DSprites, encodeNpz, sampleFactors } from "@betavae/datasets";
import { groundTruthEncoder } from "@betavae/eval";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const out = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
if (!out) {
  console.error("usage: dsprites-ground-truth.ts OUT.npz [--rows N] [--seed S]");
  process.exit(2);
}
const rows = option("rows", 15000), seed = option("seed", 0);
const ds = new DSprites();
const encoder = groundTruthEncoder(ds);
const factors = sampleFactors(ds, new Rng(seed), rows);
const codes = new Float32Array(rows * encoder.latents);
await encoder.encode(new Float32Array(0), factors, rows, codes);
const int64 = BigInt64Array.from(factors, (f) => BigInt(f));
writeFileSync(out, encodeNpz({
  codes: { descr: "<f4", shape: [rows, encoder.latents], data: new Uint8Array(codes.buffer) },
  factors: { descr: "<i8", shape: [rows, ds.factors.length], data: new Uint8Array(int64.buffer) },
}));
console.log(`wrote ${out}: ${rows} rows, ${encoder.latents} latents (${encoder.description}), factors ${ds.factors.map((f) => f.name).join(", ")}`);
