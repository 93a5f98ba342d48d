// The reconstruction and traversal figures of a model, written into a directory: what
// `bvae train` ends with and what `bvae traverse` and `bvae figures` draw (eval draws them).
import { join } from "node:path";
import type { Backend, BetaVAE } from "@betavae/core";
import type { ImageSource } from "@betavae/datasets";
import { drawModelFigures, figureModels, modelFigurePngs } from "@betavae/eval";
import { writeFileAtomic } from "./files";

/** Writes reconstructions.png and traversal.png into `out`; returns their paths. */
export async function writeModelFigures(backend: Backend, model: BetaVAE, dataset: ImageSource, seed: number, out: string): Promise<string[]> {
  const pngs = modelFigurePngs(await drawModelFigures(figureModels(backend, model), dataset, seed));
  return Object.entries(pngs).map(([name, png]) => {
    writeFileAtomic(join(out, name), png);
    return join(out, name);
  });
}
