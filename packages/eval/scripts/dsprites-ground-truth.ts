// SAP and modularity/explicitness of dSprites' ground-truth code (each varying factor's value
// standardised, as `groundTruthEncoder`), on disentanglement_lib's 10,000 training and 5,000
// test points drawn uniformly over the factors with Rng(0).
// Run: npx tsx packages/eval/scripts/dsprites-ground-truth.ts
import { Rng } from "@betavae/core";
import { DSprites, sampleFactors } from "@betavae/datasets";
import { type CodeFactorSplit, groundTruthEncoder, modularityMetric, sapMetric } from "@betavae/eval";

const TRAIN = 10000, TEST = 5000;
const ds = new DSprites();
const encoder = groundTruthEncoder(ds);
const factors = sampleFactors(ds, new Rng(0), TRAIN + TEST);
const codes32 = new Float32Array((TRAIN + TEST) * encoder.latents);
await encoder.encode(new Float32Array(0), factors, TRAIN + TEST, codes32);
const codes = Float64Array.from(codes32);
const D = encoder.latents, K = ds.factors.length;
const split: CodeFactorSplit = {
  latents: D, factorSizes: ds.factors.map((f) => f.size), factorNames: ds.factors.map((f) => f.name),
  train: { codes: codes.subarray(0, TRAIN * D), factors: factors.subarray(0, TRAIN * K), count: TRAIN },
  test: { codes: codes.subarray(TRAIN * D), factors: factors.subarray(TRAIN * K), count: TEST },
};
const describe = { dataset: ds.name, encoder: encoder.description };
const table = (m: number[][]) => m.map((row, j) => `  z${j}  ${row.map((v) => v.toFixed(3).padStart(11)).join(" ")}`).join("\n");
const header = `      ${ds.factors.slice(1).map((f) => f.name.padStart(11)).join(" ")}`;
for (const continuous of [false, true]) {
  const r = sapMetric(split, { ...describe, continuous });
  console.log(`SAP (${continuous ? "continuous: R²" : "discrete: LinearSVC test accuracy"}) = ${r.score.toFixed(4)}  (${r.seconds.toFixed(1)} s, ${r.unconverged.length} unconverged)`);
  console.log(header + "\n" + table(r.scoreMatrix));
  console.log(`  gaps: ${r.perFactor.map((f) => `${f.factor} ${f.gap.toFixed(3)}`).join(", ")}\n`);
}
const m = modularityMetric(split, describe);
console.log(`modularity = ${m.modularity.toFixed(4)}, explicitness train ${m.explicitnessTrain.toFixed(4)} / test ${m.explicitnessTest.toFixed(4)}  (${m.seconds.toFixed(1)} s)`);
console.log(`  explicitness per factor (test): ${m.perFactor.map((f) => `${f.factor} ${f.explicitnessTest.toFixed(4)}`).join(", ")}`);
