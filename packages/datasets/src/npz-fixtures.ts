/** Small synthetic dSprites .npz files for tests (the real file is not available here). */
import { zipSync } from "fflate";
import { DSprites } from "./dsprites.ts";
import { encodeNpy } from "./npy.ts";
import { Rng } from "./rng.ts";

export interface FakeNpz {
  bytes: Uint8Array;
  /** factor rows as written */
  classes: Int32Array;
  /** the images as written, 0/1 bytes */
  images: Uint8Array;
}

/** int64 little-endian bytes of small non-negative integers. */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) v.setUint32(8 * i, values[i], true);
  return out;
}

/**
 * `count` distinct random dSprites images rendered by the generator, as an npz with
 * imgs.npy, latents_classes.npy, latents_values.npy and a stand-in metadata.npy.
 */
export function makeFakeNpz(count: number, opts: { seed?: number; level?: 0 | 6; extra?: Record<string, Uint8Array> } = {}): FakeNpz {
  const ds = new DSprites();
  const rng = new Rng(opts.seed ?? 1);
  const seen = new Set<number>();
  const classes = new Int32Array(count * 6);
  const images = new Uint8Array(count * 4096);
  const img = new Float32Array(4096);
  const values = new Float64Array(count * 6);
  for (let n = 0; n < count; n++) {
    let index: number;
    do index = rng.int(ds.size);
    while (seen.has(index));
    seen.add(index);
    const f = ds.indexToFactors(index, classes.subarray(n * 6, n * 6 + 6));
    ds.render(f, img);
    for (let i = 0; i < 4096; i++) images[n * 4096 + i] = img[i];
    for (let k = 0; k < 6; k++) values[n * 6 + k] = ds.factors[k].values[f[k]];
  }
  const level = opts.level ?? 6;
  const bytes = zipSync(
    {
      "imgs.npy": [encodeNpy("|u1", [count, 64, 64], images), { level }],
      "latents_classes.npy": [encodeNpy("<i8", [count, 6], int64Bytes(classes)), { level }],
      "latents_values.npy": [encodeNpy("<f8", [count, 6], new Uint8Array(values.buffer)), { level }],
      "metadata.npy": [new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), { level }],
      ...Object.fromEntries(Object.entries(opts.extra ?? {}).map(([k, v]) => [k, [v, { level }]])),
    },
    {},
  );
  return { bytes, classes, images };
}
