/** Node-only helpers (file system): import from "@betavae/datasets/node". */
export { DATA_FILE_FORMATS, type DataFileFormat, HEAD_BYTES, loadDspritesNpzFile, openDataFile, openNpyImagesFile, readDataFile } from "./data-files.ts";
export { withFile } from "./file-access.ts";
export { RowReader, type RowStore, type Hdf5DatasetInfo } from "./row-reader.ts";
export { StreamedImages } from "./streamed-images.ts";
export { StreamedFactorDataset } from "./streamed-factor-dataset.ts";
export { SHAPES3D_FACTORS, openShapes3d } from "./shapes3d.ts";
export { type Shapes3dWriteOptions, shapes3dTestImage, writeShapes3dH5 } from "./shapes3d-writer.ts";
export { MPI3D_FACTOR_NAMES, MPI3D_GRIDS, type Mpi3dOptions, openMpi3d } from "./mpi3d.ts";
export {
  FOLDER_IMAGE_SIDE, type FolderFile, type FolderListing, type ImageCacheRecord, type ImageFolderHooks, type ImageFolderSettings,
  RESIZE_KERNEL, buildImageCache, decodeImage, imageCacheName, imageCacheRecordPath, listImageFolder, openImageFolder, readRecord,
} from "./image-folder.ts";
import { renameSync, writeFileSync } from "node:fs";
import type { DatasetRef } from "./checkpoint-dataset.ts";
import { openDataFile } from "./data-files.ts";
import { cropSide } from "./image-crop.ts";
import { type ImageFolderHooks, openImageFolder } from "./image-folder.ts";
import type { ImageSource } from "./image-source.ts";
import { createDataset } from "./index.ts";
import { type GridOptions, type RasterImage, encodePng, imageGrid } from "./png.ts";

/**
 * The dataset `ref` names: an image folder through its cache (rebuilt when the folder or its
 * settings changed), a data file (the format told by what the file holds), else the named
 * generator. `hooks` hear of a folder's decoding.
 */
export async function openDataset(ref: DatasetRef, hooks?: ImageFolderHooks): Promise<ImageSource> {
  if (ref.imageFolder && ref.dataFile) {
    const { dir, channels, crop } = ref.imageFolder;
    return openImageFolder({ dir, channels, cropSide: cropSide(crop) }, ref.dataFile, hooks);
  }
  return ref.dataFile ? openDataFile(ref.dataFile) : createDataset(ref.name);
}

/** Writes an 8-bit image as a PNG file (through a temporary file, so a crash leaves no half file). */
export function writePng(path: string, image: RasterImage): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodePng(image));
  renameSync(tmp, path);
}

/** Lays out float images in a grid and writes it as a PNG. */
export function writeImageGridPng(path: string, images: Float32Array, options: GridOptions): void {
  writePng(path, imageGrid(images, options));
}
