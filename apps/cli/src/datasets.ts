import { type Dataset, DATASET_NAMES, type DatasetName, createDataset } from "@betavae/datasets";
import { loadDspritesNpzFile } from "@betavae/datasets/node";

export { DATASET_NAMES };

/** The named generator, or the original dSprites .npz when `dataFile` is given. */
export function openDataset(name: string, dataFile?: string): Dataset {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new RangeError(`unknown dataset '${name}' (choose from ${DATASET_NAMES.join(", ")})`);
  return dataFile ? loadDspritesNpzFile(dataFile) : createDataset(name as DatasetName);
}
