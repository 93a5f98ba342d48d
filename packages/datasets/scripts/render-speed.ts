/**
 * Rendering speed of each generator: µs per image through sampleBatch (batch 64, as training
 * draws it) and through render alone, after a warm-up. Run: npx tsx scripts/render-speed.ts
 */
import { createDataset, DATASET_NAMES } from "../src/index.ts";
import { Rng } from "../src/rng.ts";

const rows: string[] = ["| dataset | µs / image (sampleBatch, batch 64) | µs / image (render) |", "| --- | --- | --- |"];
for (const name of DATASET_NAMES) {
  const ds = createDataset(name);
  const rng = new Rng(1);
  const images = new Float32Array(64 * ds.imageSize), factors = new Int32Array(64 * ds.factors.length);
  // warm-up: JIT tiers, and (dSprites) every rotated outline cached
  for (let i = 0; i < 2000; i++) ds.sampleBatch(rng, 64, images, factors);
  const steps = 1000;
  let t = performance.now();
  for (let i = 0; i < steps; i++) ds.sampleBatch(rng, 64, images, factors);
  const batchUs = ((performance.now() - t) * 1000) / (steps * 64);
  const f = Array.from(ds.indexToFactors(12345 % ds.size));
  t = performance.now();
  for (let i = 0; i < 64 * steps; i++) ds.render(f, images, 0);
  const renderUs = ((performance.now() - t) * 1000) / (64 * steps);
  rows.push(`| ${name} | ${batchUs.toFixed(2)} | ${renderUs.toFixed(2)} |`);
}
console.log(rows.join("\n"));
