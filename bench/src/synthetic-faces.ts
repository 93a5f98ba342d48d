// Writes a folder of synthetic, CelebA-shaped face drawings (178 × 218 JPEGs, like CelebA's
// aligned images) for trying `bvae train --preset burgess-celeba --data-dir DIR` where CelebA
// itself is not at hand. Each face varies in eight independent ways, drawn from a seeded Rng:
// background colour, hair colour, skin tone, face width, face height, horizontal turn (eyes and
// mouth shift sideways), eye spacing and mouth width. Same seed and count, same files.
//
//   npx tsx bench/src/synthetic-faces.ts --out DIR [--count 300] [--seed 1]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "@betavae/core";
import sharp from "sharp";

const WIDTH = 178, HEIGHT = 218;

type Rgb = [number, number, number];

const HAIR: Rgb[] = [[30, 22, 18], [90, 60, 30], [200, 160, 90], [150, 60, 30], [120, 120, 120]];
const SKIN: Rgb[] = [[250, 215, 190], [225, 180, 140], [190, 140, 100], [140, 95, 60], [95, 65, 45]];

/** One face as packed RGB bytes. */
function drawFace(rng: Rng): Uint8Array {
  const background: Rgb = [rng.int(256), rng.int(256), rng.int(256)];
  const hair = HAIR[rng.int(HAIR.length)], skin = SKIN[rng.int(SKIN.length)];
  const rx = rng.uniform(42, 58), ry = rng.uniform(58, 74);
  const turn = rng.uniform(-14, 14), eyeGap = rng.uniform(14, 24), mouth = rng.uniform(10, 26);
  const cx = WIDTH / 2, cy = HEIGHT / 2 + 8;
  const px = new Uint8Array(WIDTH * HEIGHT * 3);
  const inEllipse = (x: number, y: number, ex: number, ey: number, ax: number, ay: number) => ((x - ex) / ax) ** 2 + ((y - ey) / ay) ** 2 < 1;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let c: Rgb = background;
      if (inEllipse(x, y, cx, cy - 14, rx + 10, ry + 6)) c = hair;
      if (inEllipse(x, y, cx, cy + 6, rx, ry)) c = skin;
      const ex = cx + turn, ey = cy - 6;
      if (inEllipse(x, y, ex - eyeGap, ey, 7, 4) || inEllipse(x, y, ex + eyeGap, ey, 7, 4)) c = [245, 245, 245];
      if (inEllipse(x, y, ex - eyeGap, ey, 3, 3) || inEllipse(x, y, ex + eyeGap, ey, 3, 3)) c = [20, 20, 30];
      if (inEllipse(x, y, cx + turn * 1.2, cy + 38, mouth, 5)) c = [170, 40, 50];
      px.set(c, (y * WIDTH + x) * 3);
    }
  }
  return px;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" }, count: { type: "string", default: "300" }, seed: { type: "string", default: "1" } } });
  if (!values.out) throw new Error("usage: synthetic-faces --out DIR [--count N] [--seed S]");
  const count = Number(values.count), rng = new Rng(Number(values.seed));
  mkdirSync(values.out, { recursive: true });
  for (let i = 1; i <= count; i++) {
    const file = join(values.out, `${String(i).padStart(6, "0")}.jpg`); // CelebA's names: 000001.jpg …
    await sharp(drawFace(rng), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 95 }).toFile(file);
  }
  console.log(`wrote ${count} faces (${WIDTH} × ${HEIGHT} JPEG, seed ${values.seed}) to ${values.out}`);
}

await main();
