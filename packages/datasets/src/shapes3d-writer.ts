/**
 * Writes .h5 files in Shapes3D's layout with h5wasm: `images` (N, 64, 64, 3) uint8 and
 * `labels` (N, 6) float64, one image per combination of the first sizes[k] values of each
 * factor, in C order; what the tests open, and a way to save a subset of the real file.
 */
import { FactorGrid } from "./factor-dataset.ts";
import { SHAPES3D_FACTORS } from "./shapes3d.ts";

export interface Shapes3dWriteOptions {
  /** Chunk shape of `images` (e.g. [1, 64, 64, 3]); contiguous, as in the published file, when left out. */
  chunks?: number[];
  /** Which datasets to write (default both): a file without one is a test of the refusal. */
  datasets?: readonly ("images" | "labels")[];
  /** The images, N · 64 · 64 · 3 bytes; default drawn by `shapes3dTestImage`. */
  images?: Uint8Array;
}

/** Writes the file and returns its images, C-ordered by factors. */
export async function writeShapes3dH5(path: string, sizes: readonly number[], options: Shapes3dWriteOptions = {}): Promise<Uint8Array> {
  const h5wasm = (await import("h5wasm/node")).default; // loaded only here: 4 MB a reader never needs on this thread
  await h5wasm.ready;
  const grid = new FactorGrid(sizes);
  const n = grid.size, pixels = 64 * 64 * 3;
  const images = options.images ?? new Uint8Array(n * pixels);
  const labels = new Float64Array(n * 6);
  const f = new Int32Array(6);
  for (let row = 0; row < n; row++) {
    grid.indexToFactors(row, f);
    for (let k = 0; k < 6; k++) labels[row * 6 + k] = SHAPES3D_FACTORS[k].values[f[k]];
    if (!options.images) shapes3dTestImage(f, images.subarray(row * pixels, (row + 1) * pixels));
  }
  const file = new h5wasm.File(path, "w");
  try {
    const which = options.datasets ?? ["images", "labels"];
    if (which.includes("images")) file.create_dataset({ name: "images", data: images, shape: [n, 64, 64, 3], dtype: "<B", chunks: options.chunks ?? null });
    if (which.includes("labels")) file.create_dataset({ name: "labels", data: labels, shape: [n, 6], dtype: "<d" });
  } finally {
    file.close();
  }
  return images;
}

/** A picture that changes with every factor: wall and floor colours, an object whose colour, size, outline and position follow the rest. */
export function shapes3dTestImage(factors: ArrayLike<number>, out: Uint8Array): void {
  const hue = (k: number, h: number) => Math.round(127.5 + 127.5 * Math.cos(2 * Math.PI * (SHAPES3D_FACTORS[0].values[h] - k / 3)));
  const half = 6 + 2 * factors[3], cx = 20 + 2 * factors[5], cy = 36;
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const dx = Math.abs(x - cx), dy = Math.abs(y - cy);
      const inside = [Math.max(dx, dy), dx + dy, Math.hypot(dx, dy), Math.max(dx, 2 * dy)][factors[4]] <= half;
      const h = inside ? factors[2] : y < 40 ? factors[1] : factors[0];
      for (let c = 0; c < 3; c++) out[(y * 64 + x) * 3 + c] = hue(c, h);
    }
  }
}
