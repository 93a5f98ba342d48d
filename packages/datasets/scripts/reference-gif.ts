/**
 * The real dSprites frames in reference/dsprites.gif (320 frames, 64×64, binary), each
 * with the factor indices it shows. The gif is the dSprites repository's animation: for the
 * heart, then the ellipse, then the square, it traverses scale (up, down, up), orientation
 * (all 40 values), for the heart also posY, posX, posY back, posX back, and scale down again.
 * All at posX = posY = 0 unless traversed; the table below was checked by verifying that
 * frames with equal factors are identical images.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GifReader } from "omggif";

export function referenceGifPath(): string {
  return fileURLToPath(new URL("../reference/dsprites.gif", import.meta.url));
}

export interface ReferenceFrame {
  index: number;
  /** Factor indices [color, shape, scale, orientation, posX, posY]. */
  factors: number[];
  /** 64·64 bytes, 0 or 1, row-major. */
  pixels: Uint8Array;
  /** Which traversal the frame belongs to. */
  segment: "scale" | "orientation" | "posX" | "posY";
}

const SQUARE = 0, ELLIPSE = 1, HEART = 2;

function frameTable(): { factors: number[]; segment: ReferenceFrame["segment"] }[] {
  const rows: { factors: number[]; segment: ReferenceFrame["segment"] }[] = [];
  const up = [0, 1, 2, 3, 4, 5], down = [5, 4, 3, 2, 1, 0];
  const ramp = (n: number) => Array.from({ length: n }, (_, i) => i);
  const add = (shape: number, scale: number, orient: number, x: number, y: number, segment: ReferenceFrame["segment"]) =>
    rows.push({ factors: [0, shape, scale, orient, x, y], segment });
  for (const shape of [HEART, ELLIPSE, SQUARE]) {
    for (const s of [...up, ...down, ...up]) add(shape, s, 0, 0, 0, "scale");
    for (const o of ramp(40)) add(shape, 5, o, 0, 0, "orientation");
    if (shape === HEART) {
      for (const y of ramp(32)) add(shape, 5, 0, 0, y, "posY");
      for (const x of ramp(32)) add(shape, 5, 0, x, 31, "posX");
      for (const y of ramp(32).reverse()) add(shape, 5, 0, 31, y, "posY");
      for (const x of ramp(32).reverse()) add(shape, 5, 0, x, 0, "posX");
    }
    for (const s of down) add(shape, s, 0, 0, 0, "scale");
  }
  return rows;
}

/** Decodes the gif and pairs each frame with its factors. */
export function loadReferenceFrames(path = referenceGifPath()): ReferenceFrame[] {
  const gif = new GifReader(readFileSync(path));
  const table = frameTable();
  if (gif.width !== 64 || gif.height !== 64 || gif.numFrames() !== table.length) {
    throw new Error(`unexpected reference gif: ${gif.width}×${gif.height}, ${gif.numFrames()} frames`);
  }
  const rgba = new Uint8Array(64 * 64 * 4);
  return table.map((row, index) => {
    gif.decodeAndBlitFrameRGBA(index, rgba);
    const pixels = new Uint8Array(64 * 64);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[4 * i] > 127 ? 1 : 0;
    return { index, factors: row.factors, pixels, segment: row.segment };
  });
}

/** Intersection over union of two binary masks (a: 0/1 bytes; b: floats thresholded at 0.5). */
export function iou(a: Uint8Array, b: Float32Array, offset = 0): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0, y = b[offset + i] > 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
