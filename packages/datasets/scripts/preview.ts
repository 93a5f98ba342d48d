/**
 * Writes PNGs to look at: 25 random samples of each dataset and dSprites' mean image over
 * 5,000 samples (the original's support is the centre half of the frame). Run:
 *   npx tsx scripts/preview.ts [out-dir]   (default: preview/ here, git-ignored)
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createDataset, DATASET_NAMES } from "../src/index.ts";
import { writeImageGridPng } from "../src/node.ts";
import { Rng } from "@betavae/core";

const out = process.argv[2] ?? "preview";
mkdirSync(out, { recursive: true });
for (const name of DATASET_NAMES) {
  const ds = createDataset(name);
  const imgs = new Float32Array(25 * ds.imageSize);
  ds.sampleBatch(new Rng(0), 25, imgs);
  writeImageGridPng(join(out, `${name}-samples.png`), imgs, { count: 25, height: ds.height, width: ds.width, channels: ds.channels as 1 | 3, gap: 4, zoom: 2 });
}
const ds = createDataset("dsprites");
const rng = new Rng(1), img = new Float32Array(4096), mean = new Float32Array(4096);
for (let n = 0; n < 5000; n++) {
  ds.sampleBatch(rng, 1, img);
  for (let i = 0; i < 4096; i++) mean[i] += img[i] / 5000;
}
let peak = 0;
for (const v of mean) peak = Math.max(peak, v);
for (let i = 0; i < 4096; i++) mean[i] /= peak;
writeImageGridPng(join(out, "dsprites-mean-of-5000.png"), mean, { count: 1, height: 64, width: 64, channels: 1, gap: 0, zoom: 6 });
console.log(`wrote ${out}/`);
