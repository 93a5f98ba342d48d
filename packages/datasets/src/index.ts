export { type ImageSource, checkImageBuffer } from "./image-source.ts";
export { type Factor, type FactorDataset, FactorGrid, linspace, sampleFactors, checkBatchBuffers, hasFactors, imageCount, requireFactors } from "./factor-dataset.ts";
export { ImageSet } from "./image-set.ts";
export { DSprites, DSPRITES_BASES, DSPRITES_FACTOR_NAMES, DSPRITES_SHAPES } from "./dsprites.ts";
export { DEFAULT_GEOMETRY, type DSpritesGeometry, type SpriteShape, ellipseOutline, heartOutline, squareOutline } from "./dsprites-geometry.ts";
export { ColorDSprites } from "./color-dsprites.ts";
export { GaussianBlobs, type BlobsOptions } from "./blobs.ts";
export { DatasetFileError, NoFactorsError } from "./errors.ts";
export { type CropRect, type CropSpec, CELEBA_CROP_SIDE, centreCrop, cropSide } from "./image-crop.ts";
export { loadDspritesNpz, DspritesNpz, type NpzLoadOptions } from "./npz-dsprites.ts";
export { loadNpyImages, imageArrayShape } from "./npy-images.ts";
export { encodeNpy, npyHeader, parseNpyHeader, type NpyHeader } from "./npy.ts";
export { type RandomAccess, npzArrayEntry, readZipDirectory, readZipEntry, streamZipEntry, type ZipEntry } from "./zip.ts";
export { type NpyArray, encodeNpz } from "./npz-writer.ts";
export { IMAGE_EXTENSIONS, type ImageChoice, chooseImages, isImagePath, zipImages } from "./image-files.ts";
export { GREY_WEIGHTS, TRANSPARENT_BACKGROUND, greyOf, packPixels } from "./image-pixels.ts";
export { encodePng, imageGrid, crc32, type GridOptions, type RasterImage } from "./png.ts";
export { ImageSampler } from "./sampler.ts";
export {
  type DatasetRef, DROPPED_IMAGES, type DroppedImages, type ImageFolderRef, checkpointDataset, datasetApp, droppedImagesOf,
} from "./checkpoint-dataset.ts";

import type { BlobsOptions } from "./blobs.ts";
import { GaussianBlobs } from "./blobs.ts";
import { ColorDSprites } from "./color-dsprites.ts";
import type { FactorDataset } from "./factor-dataset.ts";
import { DSprites } from "./dsprites.ts";

export const DATASET_NAMES = ["dsprites", "color-dsprites", "blobs"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** The procedural dataset called `name`; options apply to "blobs" only. */
export function createDataset(name: DatasetName, options?: BlobsOptions): FactorDataset {
  switch (name) {
    case "dsprites":
      return new DSprites();
    case "color-dsprites":
      return new ColorDSprites();
    case "blobs":
      return new GaussianBlobs(options);
    default:
      throw new RangeError(`unknown dataset '${String(name)}' (known: ${DATASET_NAMES.join(", ")})`);
  }
}
