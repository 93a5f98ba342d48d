// Which dataset a checkpoint was trained on: the name (and original .npz, image array or image
// folder, if any) that the front end stored in its app metadata; a checkpoint without one
// (older, or made elsewhere) gets the generator its channel count implies; one trained on
// images dropped on the web page says which (the images stay on the page). Every command and
// the page ask here, and the CLI stores a dataset through datasetApp.
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

/** The app metadata's `dataset` of a model trained on images dropped on the web page, which stay there. */
export const DROPPED_IMAGES = "dropped-images";

/** What a checkpoint records of the dropped images it was trained on (app metadata `images`). */
export interface DroppedImages {
  /** what was dropped: a folder's or a zip's name, or "3 files" */
  source: string;
  count: number;
  /** the crop's side in source pixels, or absent for the largest centred square */
  cropSide?: number;
}

/** The dropped images a checkpoint's app metadata records, or null when it was trained on something else. */
export function droppedImagesOf(app: Record<string, unknown>): DroppedImages | null {
  if (app.dataset !== DROPPED_IMAGES) return null;
  const images = (app.images ?? {}) as Partial<DroppedImages>;
  return { source: String(images.source ?? "not named"), count: Number(images.count ?? 0), ...(typeof images.cropSide === "number" ? { cropSide: images.cropSide } : {}) };
}

export function checkpointDataset(checkpoint: Pick<Checkpoint, "app" | "config">): DatasetRef {
  const { dataset, dataFile, dataDir, crop } = checkpoint.app;
  const dropped = droppedImagesOf(checkpoint.app);
  if (dropped) {
    throw new RangeError(`the checkpoint was trained on ${dropped.count} images dropped on the web page (${dropped.source})`
      + ", which it does not hold: there are no images here to draw its figures from");
  }
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
