// Writes a large uint8 image array as a .npy (N, 64, 64, 3), chunk by chunk, for measuring
// training from a file that does not fit the memory budget (peak RSS, data loading time).
// The pixels are a cheap pattern that differs from image to image; what is measured is reading.
//
//   npx tsx bench/src/make-data-file.ts --out /tmp/images-2g.npy [--gib 2]
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { npyHeader } from "@betavae/datasets";
import { benchCommandLine } from "./options";
import { userPath } from "./report";

const USAGE = "usage: npx tsx bench/src/make-data-file.ts --out FILE.npy [--gib N]";
const { fail, parse } = benchCommandLine("make-data-file", USAGE);
const values = parse({ options: { out: { type: "string" }, gib: { type: "string", default: "2" }, help: { type: "boolean", short: "h", default: false } } });
if (!values.out) fail(`--out is required\n${USAGE}`);
const gib = Number(values.gib);
if (!(gib > 0)) fail(`--gib must be a positive number, got ${values.gib}`);

const IMAGE = 64 * 64 * 3;
const count = Math.floor((gib * 2 ** 30) / IMAGE);
const path = userPath(values.out!);
const tmp = `${path}.tmp-${process.pid}`;
const fd = openSync(tmp, "w");
try {
  writeSync(fd, npyHeader("|u1", [count, 64, 64, 3]));
  const perChunk = 4096, chunk = new Uint8Array(perChunk * IMAGE);
  for (let first = 0; first < count; first += perChunk) {
    const n = Math.min(perChunk, count - first);
    for (let i = 0; i < n; i++) {
      const image = first + i, at = i * IMAGE;
      for (let p = 0; p < IMAGE; p++) chunk[at + p] = (image * 37 + p * ((image % 7) + 1)) & 255;
    }
    writeSync(fd, chunk, 0, n * IMAGE);
  }
} finally {
  closeSync(fd);
}
renameSync(tmp, path);
console.log(`${path}: ${count} images (64×64×3 uint8), ${((count * IMAGE) / 2 ** 30).toFixed(2)} GiB of pixels`);
