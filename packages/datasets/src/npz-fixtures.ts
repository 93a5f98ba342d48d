/** Small synthetic dSprites .npz files for tests (the real file is not available here). */
import { zipSync } from "fflate";
import { DSprites } from "./dsprites.ts";
import { crc32 } from "./crc32.ts";
import { encodeNpy } from "./npy.ts";
import { Rng } from "@betavae/core";

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

/**
 * A stored (uncompressed) zip written the way Python's zipfile does for entries over 2 GiB:
 * every size and offset saturated to 0xFFFFFFFF with the real values in zip64 extra fields,
 * a zip64 end-of-central-directory record and locator, and 0xFFFF counts in the classic one.
 */
export function makeZip64(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const le = (n: number, bytes: number) => {
    const b = new Uint8Array(bytes);
    const v = new DataView(b.buffer);
    if (bytes === 2) v.setUint16(0, n, true);
    else if (bytes === 4) v.setUint32(0, n >>> 0, true);
    else {
      v.setUint32(0, n % 4294967296, true);
      v.setUint32(4, Math.floor(n / 4294967296), true);
    }
    return b;
  };
  const cat = (...xs: Uint8Array[]) => {
    const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
    let p = 0;
    for (const x of xs) {
      out.set(x, p);
      p += x.length;
    }
    return out;
  };
  const M = 0xffffffff;
  for (const { name, data } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const localExtra = cat(le(1, 2), le(16, 2), le(data.length, 8), le(data.length, 8));
    const local = cat(le(0x04034b50, 4), le(45, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2), le(crc, 4), le(M, 4), le(M, 4), le(nameBytes.length, 2), le(localExtra.length, 2), nameBytes, localExtra, data);
    const cdExtra = cat(le(1, 2), le(24, 2), le(data.length, 8), le(data.length, 8), le(offset, 8));
    central.push(cat(le(0x02014b50, 4), le(45, 2), le(45, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2), le(crc, 4), le(M, 4), le(M, 4), le(nameBytes.length, 2), le(cdExtra.length, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 4), le(M, 4), nameBytes, cdExtra));
    parts.push(local);
    offset += local.length;
  }
  const cd = cat(...central);
  const cdOffset = offset;
  const z64Offset = cdOffset + cd.length;
  const z64 = cat(le(0x06064b50, 4), le(44, 8), le(45, 2), le(45, 2), le(0, 4), le(0, 4), le(entries.length, 8), le(entries.length, 8), le(cd.length, 8), le(cdOffset, 8));
  const locator = cat(le(0x07064b50, 4), le(0, 4), le(z64Offset, 8), le(1, 4));
  const eocd = cat(le(0x06054b50, 4), le(0, 2), le(0, 2), le(0xffff, 2), le(0xffff, 2), le(M, 4), le(M, 4), le(0, 2));
  return cat(...parts, cd, z64, locator, eocd);
}
