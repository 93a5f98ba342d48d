/**
 * MPI3D (Gondal et al. 2019; mpi3d_toy.npz, mpi3d_realistic.npz, mpi3d_real.npz): an .npz
 * whose `images` array is (N, 64, 64, 3) uint8, one image per combination of object colour,
 * object shape, object size, camera height, background colour, horizontal and vertical axis,
 * in C order of those factors. The file holds no labels, so the grid follows from N:
 * 460,800 images are the 4 × 4 × 2 × 3 × 3 × 40 × 40 grid disentanglement_lib reads (its
 * mpi3d.py), 1,036,800 the complete 6 × 6 × 2 × 3 × 3 × 40 × 40 release. The images entry
 * must be stored (np.savez) so it can be streamed from disk with positioned reads; one saved
 * compressed (np.savez_compressed) is refused with a line saying how to re-save it.
 */
import { DatasetFileError } from "./errors.ts";
import { withFile } from "./file-access.ts";
import type { Factor } from "./factor-dataset.ts";
import { parseNpyHeader } from "./npy.ts";
import { imageArrayShape } from "./npy-images.ts";
import { RowReader } from "./row-reader.ts";
import { StreamedFactorDataset } from "./streamed-factor-dataset.ts";
import { StreamedImages } from "./streamed-images.ts";
import { type RandomAccess, type ZipEntry, npzArrayEntry, readZipDirectory } from "./zip.ts";

export const MPI3D_FACTOR_NAMES = [
  "object colour", "object shape", "object size", "camera height", "background colour", "horizontal axis", "vertical axis",
] as const;
/** Factor sizes by image count: the files disentanglement_lib reads, and the complete release. */
export const MPI3D_GRIDS: Readonly<Record<number, readonly number[]>> = {
  460800: [4, 4, 2, 3, 3, 40, 40],
  1036800: [6, 6, 2, 3, 3, 40, 40],
};
const SIDE = 64;

export interface Mpi3dOptions {
  /** The file's name in messages (default its path). */
  name?: string;
  /** The factor sizes, instead of those N implies (for files holding another grid in the same order). */
  factorSizes?: readonly number[];
}

/** Opens the MPI3D .npz at `path`: its directory and headers are read now, its images as batches ask for them. */
export function openMpi3d(path: string, options: Mpi3dOptions = {}): StreamedFactorDataset {
  const name = options.name ?? path;
  const { offset, count } = withFile(path, (file) => imagesEntry(file, name));
  const sizes = options.factorSizes ?? MPI3D_GRIDS[count];
  if (!sizes) {
    throw new DatasetFileError(`${name} holds ${count} images; MPI3D files hold ${Object.entries(MPI3D_GRIDS).map(([n, s]) => `${n} (${s.join(" × ")})`).join(" or ")}`);
  }
  const factors: Factor[] = MPI3D_FACTOR_NAMES.map((factor, k) => ({ name: factor, size: sizes[k], values: Array.from({ length: sizes[k] }, (_, i) => i) }));
  const reader = new RowReader({ kind: "file", path, offset }, name);
  try {
    return new StreamedFactorDataset("mpi3d", factors, new StreamedImages("mpi3d", SIDE, SIDE, 3, count, reader));
  } catch (err) {
    reader.close();
    throw err;
  }
}

/** MPI3D's images entry among an archive's entries (dSprites' .npz holds imgs.npy instead). */
export function mpi3dImagesEntry(entries: readonly ZipEntry[]): ZipEntry | undefined {
  return npzArrayEntry(entries, "images");
}

/** Where the stored images entry's pixels start in the archive, and how many images it holds. */
function imagesEntry(file: RandomAccess, name: string): { offset: number; count: number } {
  const entries = readZipDirectory(file, name);
  const entry = mpi3dImagesEntry(entries);
  if (!entry) throw new DatasetFileError(`${name} has no images array (entries: ${entries.map((e) => e.name).join(", ") || "none"}); MPI3D's .npz holds images (N, 64, 64, 3) uint8`);
  if (entry.method !== 0) {
    throw new DatasetFileError(`${name}: images is compressed (saved with np.savez_compressed) and cannot be streamed; re-save it uncompressed: `
      + "python3 -c \"import numpy as np; np.savez('out.npz', images=np.load('IN.npz')['images'])\"");
  }
  const h = parseNpyHeader(file.read(entry.dataOffset, Math.min(entry.size, 4096)).slice(), `${name}: images.npy`);
  const shape = imageArrayShape(h, entry.size - h.dataOffset, `${name}: images.npy`);
  if (shape.height !== SIDE || shape.width !== SIDE || shape.channels !== 3) {
    throw new DatasetFileError(`${name}: images.npy has shape (${h.shape.join(", ")}), MPI3D's is (N, 64, 64, 3)`);
  }
  return { offset: entry.dataOffset + h.dataOffset, count: shape.count };
}
