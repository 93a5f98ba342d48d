// Which dataset a checkpoint was trained on: the name (and original .npz, image array or image
// folder, if any) that the front end stored in its app metadata; a checkpoint without one
// (older, or made elsewhere) gets the generator its channel count implies. Every command and
// the page ask here, and front ends store a dataset through datasetApp.
import type { Checkpoint } from "@betavae/core";
import { cropSide } from "./image-crop.ts";
import { DATASET_NAMES, type DatasetName } from "./index.ts";

/** A folder of images, decoded into the ref's data file (its cache). */
export interface ImageFolderRef {
  dir: string;
  /** a crop as cropSide reads it: "square", "celeba" or a side in pixels */
  crop: string;
  channels: 1 | 3;
}

/**
 * A dataset by name, or a data file (the dSprites .npz, an image array) when `dataFile` is
 * given; with `imageFolder`, the data file is the cache of that folder's images.
 */
export interface DatasetRef {
  name: DatasetName;
  dataFile?: string;
  imageFolder?: ImageFolderRef;
}

/** The app metadata that records `ref` in a checkpoint (checkpointDataset reads it back). */
export function datasetApp(ref: DatasetRef): Record<string, string> {
  return {
    dataset: ref.name,
    ...(ref.dataFile ? { dataFile: ref.dataFile } : {}),
    ...(ref.imageFolder ? { dataDir: ref.imageFolder.dir, crop: ref.imageFolder.crop } : {}),
  };
}

export function checkpointDataset(checkpoint: Pick<Checkpoint, "app" | "config">): DatasetRef {
  const { dataset, dataFile, dataDir, crop } = checkpoint.app;
  if (dataset === undefined) return { name: checkpoint.config.model.channels === 3 ? "color-dsprites" : "dsprites" };
  if (!(DATASET_NAMES as readonly unknown[]).includes(dataset)) {
    throw new RangeError(`the checkpoint was trained on '${String(dataset)}', a dataset not known here (known: ${DATASET_NAMES.join(", ")})`);
  }
  const ref: DatasetRef = { name: dataset as DatasetName, ...(typeof dataFile === "string" ? { dataFile } : {}) };
  if (typeof dataDir === "string" && ref.dataFile) {
    const channels = checkpoint.config.model.channels;
    if (channels !== 1 && channels !== 3) throw new RangeError(`the checkpoint was trained on the images in ${dataDir} with ${channels} channels; a folder gives 1 or 3`);
    const spec = typeof crop === "string" ? crop : "square";
    cropSide(spec); // a crop this version cannot read is refused here, in one line
    ref.imageFolder = { dir: dataDir, crop: spec, channels };
  }
  return ref;
}
