/**
 * End-to-end check of the .npz loader at full size, which no unit test can afford: builds a
 * canonical 737,280-image dSprites .npz in memory (the generator's images, deflated with
 * fflate's streaming zip, as numpy's savez_compressed would store them), loads it with
 * loadDspritesNpz and compares random images with the generator. Prints timings and memory.
 * Run: npx tsx scripts/full-npz-check.ts   (about a minute; ~1 GB of memory)
 */
import { Zip, ZipDeflate } from "fflate";
import { DSprites } from "../src/dsprites.ts";
import { loadDspritesNpz } from "../src/npz-dsprites.ts";
import { encodeNpy, npyHeader } from "../src/npy.ts";
import { int64Bytes } from "../src/npz-fixtures.ts";
import { Rng } from "@betavae/core";

const ds = new DSprites();
const N = ds.size;
const t0 = performance.now();
const out: Uint8Array[] = [];
const zip = new Zip((err, data) => {
  if (err) throw err;
  out.push(data);
});

const classesEntry = new ZipDeflate("latents_classes.npy", { level: 6 });
zip.add(classesEntry);
const classes = new Int32Array(N * 6);
for (let i = 0; i < N; i++) ds.indexToFactors(i, classes.subarray(i * 6, i * 6 + 6));
classesEntry.push(encodeNpy("<i8", [N, 6], int64Bytes(classes)), true);

const level = Number(process.env.LEVEL ?? 6) as 1 | 6;
const imgsEntry = new ZipDeflate("imgs.npy", { level });
zip.add(imgsEntry);
imgsEntry.push(npyHeader("|u1", [N, 64, 64]));
const BATCH = 1024;
const img = new Float32Array(4096), bytes = new Uint8Array(BATCH * 4096), f = new Int32Array(6);
for (let start = 0; start < N; start += BATCH) {
  for (let b = 0; b < BATCH; b++) {
    ds.render(ds.indexToFactors(start + b, f), img);
    for (let i = 0; i < 4096; i++) bytes[b * 4096 + i] = img[i];
  }
  imgsEntry.push(bytes, start + BATCH >= N);
}
zip.end();
const npz = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
let p = 0;
for (const c of out) {
  npz.set(c, p);
  p += c.length;
}
const t1 = performance.now();
if (process.env.SAVE) (await import("node:fs")).writeFileSync(process.env.SAVE, npz);
console.log(`built a ${(npz.length / 1e6).toFixed(1)} MB canonical .npz in ${((t1 - t0) / 1000).toFixed(1)} s`);

const loaded = loadDspritesNpz(npz, { name: "full.npz" });
const t2 = performance.now();
console.log(`loaded it in ${((t2 - t1) / 1000).toFixed(1)} s: ${loaded.size} images, canonical ${loaded.canonical}, rss ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB`);

const rng = new Rng(1), a = new Float32Array(4096);
let mismatches = 0;
for (let k = 0; k < 2000; k++) {
  const i = rng.int(N);
  ds.render(ds.indexToFactors(i, f), img);
  loaded.render(f, a);
  if (!a.every((v, j) => v === img[j])) mismatches++;
}
console.log(`2000 random images compared with the generator: ${mismatches} mismatches`);
if (mismatches) process.exit(1);
