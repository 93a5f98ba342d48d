/**
 * Writes NumPy .npz archives as numpy.savez does: a zip of .npy files, each stored
 * uncompressed, so a reader can seek straight into an entry (MPI3D's images are streamed from
 * disk this way). In memory and without zip64, so for archives under 4 GiB.
 */
import { type ZipOptions, zipSync } from "fflate";
import { encodeNpy } from "./npy.ts";

/** One array: its dtype ("|u1", "<i8", "<f4", …), shape and raw little-endian element bytes. */
export interface NpyArray {
  descr: string;
  shape: readonly number[];
  data: Uint8Array;
}

/** A fixed timestamp (1980-01-01, zip's epoch) so the same arrays always give the same bytes. */
const ZIP_EPOCH = new Date(1980, 0, 1);

/** The .npz bytes of `arrays`, entry `<name>.npy` per array, in the given order. */
export function encodeNpz(arrays: Readonly<Record<string, NpyArray>>): Uint8Array {
  const entries: [string, [Uint8Array, ZipOptions]][] = Object.entries(arrays).map(([name, a]) => [`${name}.npy`, [encodeNpy(a.descr, a.shape, a.data), { level: 0, mtime: ZIP_EPOCH }]]);
  const size = entries.reduce((sum, [, [bytes]]) => sum + bytes.length, 0);
  if (size >= 2 ** 32 - 2 ** 20) throw new RangeError(`encodeNpz: ${size} bytes of arrays need zip64, which this writer does not produce`);
  return zipSync(Object.fromEntries(entries));
}
