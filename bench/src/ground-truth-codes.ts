// Writes the ground-truth code of dSprites as a `bvae eval --codes` file: ROWS random images'
// factor values, each scaled to [0, 1] over its range (the codes), and their factor indices
// (the factors), drawn with Rng(SEED). The ceiling any representation's codes are compared with:
//
//   npx tsx --conditions=@betavae/source bench/src/ground-truth-codes.ts OUT.npz [--rows 15000] [--seed 0]
//   bvae eval --codes OUT.npz --out DIR
import { writeFileSync } from "node:fs";
import { Rng } from "@betavae/core";
import { DSprites, encodeNpy, encodeNpz, sampleFactors } from "@betavae/datasets";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const out = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
if (!out) {
  console.error("usage: ground-truth-codes.ts OUT.npz [--rows N] [--seed S]");
  process.exit(2);
}
const rows = option("rows", 15000), seed = option("seed", 0);
const ds = new DSprites();
const K = ds.factors.length;
const factors = sampleFactors(ds, new Rng(seed), rows);
const codes = Float32Array.from(factors, (f, i) => {
  const values = ds.factors[i % K].values;
  const lo = Math.min(...values), hi = Math.max(...values);
  return hi === lo ? 0 : (values[f] - lo) / (hi - lo);
});
const int64 = new BigInt64Array(factors.length).map((_, i) => BigInt(factors[i]));
writeFileSync(out, encodeNpz({
  codes: encodeNpy("<f4", [rows, K], new Uint8Array(codes.buffer)),
  factors: encodeNpy("<i8", [rows, K], new Uint8Array(int64.buffer)),
}));
console.log(`wrote ${out}: ${rows} rows of dSprites' ${K} factors (${ds.factors.map((f) => f.name).join(", ")})`);
