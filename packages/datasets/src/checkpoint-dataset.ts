// Which dataset a checkpoint was trained on: the name (and original .npz, if any) that the
// front end stored in its app metadata; a checkpoint without one (older, or made elsewhere)
// gets the generator its channel count implies. Every command and the page ask here.
import type { Checkpoint } from "@betavae/core";
import { DATASET_NAMES, type DatasetName } from "./index.ts";

/** A dataset by name, or a data file (the dSprites .npz, an image array) when `dataFile` is given. */
export interface DatasetRef {
  name: DatasetName;
  dataFile?: string;
}

export function checkpointDataset(checkpoint: Pick<Checkpoint, "app" | "config">): DatasetRef {
  const { dataset, dataFile } = checkpoint.app;
  if (dataset === undefined) return { name: checkpoint.config.model.channels === 3 ? "color-dsprites" : "dsprites" };
  if (!(DATASET_NAMES as readonly unknown[]).includes(dataset)) {
    throw new RangeError(`the checkpoint was trained on '${String(dataset)}', a dataset not known here (known: ${DATASET_NAMES.join(", ")})`);
  }
  return { name: dataset as DatasetName, ...(typeof dataFile === "string" ? { dataFile } : {}) };
}
