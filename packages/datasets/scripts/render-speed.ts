/**
 * Rendering speed of each generator: µs per image through sampleBatch (batch 64, as training
 * draws it) and through render alone, after a warm-up. Run: npx tsx scripts/render-speed.ts
 */
import { createDataset, DATASET_NAMES } from "../src/index.ts";
import { Rng } from "@betavae/core";

const rows: string[] = ["| dataset | µs / image (sampleBatch, batch 64) | µs / image (render, random factors) |", "| --- | --- | --- |"];
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
  // render alone, over 1,024 random factor vectors drawn beforehand
  const k = ds.factors.length, pool = new Int32Array(1024 * k);
  ds.sampleBatch(rng, 1, images, pool.subarray(0, k));
  for (let n = 0; n < 1024; n++) ds.indexToFactors(rng.int(ds.size), pool.subarray(n * k, n * k + k));
  t = performance.now();
  for (let i = 0; i < 64 * steps; i++) ds.render(pool.subarray((i & 1023) * k, (i & 1023) * k + k), images, 0);
  const renderUs = ((performance.now() - t) * 1000) / (64 * steps);
  rows.push(`| ${name} | ${batchUs.toFixed(2)} | ${renderUs.toFixed(2)} |`);
}
console.log(rows.join("\n"));
