import { DATASET_NAMES, type DatasetName, type ImageSource, createDataset } from "@betavae/datasets";
import { openDataFile } from "@betavae/datasets/node";

export { DATASET_NAMES };

/** The named generator, or the dataset file `dataFile` (its format told by what it holds) when given. */
export function openDataset(name: string, dataFile?: string): ImageSource {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new RangeError(`unknown dataset '${name}' (choose from ${DATASET_NAMES.join(", ")})`);
  return dataFile ? openDataFile(dataFile) : createDataset(name as DatasetName);
}
