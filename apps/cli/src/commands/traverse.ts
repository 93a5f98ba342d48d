// bvae traverse: the reconstruction and traversal figures of a checkpoint.
import { resolve } from "node:path";
import { BetaVAE, decodeCheckpoint, loadWeights } from "@betavae/core";
import { checkpointDataset } from "@betavae/datasets";
import { openDataset } from "@betavae/datasets/node";
import { folderProgress } from "../progress";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { BACKEND_FLAGS, openBackend } from "../backend";
import { ensureWritableDir, readFileOrFail } from "../files";
import { writeModelFigures } from "../model-figures";

export const TRAVERSE_FLAGS: FlagSpecs = {
  checkpoint: { type: "string", placeholder: "FILE", help: "checkpoint.safetensors written by bvae train" },
  out: { type: "string", placeholder: "DIR", help: "where to write reconstructions.png and traversal.png" },
  seed: { type: "int", min: 0, help: "seed of the images shown", default: 1 },
  ...BACKEND_FLAGS,
};

export async function traverse(argv: string[], io: { out: (line: string) => void; err: NodeJS.WriteStream }): Promise<number> {
  const { flags, help } = parseFlags(argv, TRAVERSE_FLAGS, "traverse");
  if (help) {
    io.out(helpText("usage: bvae traverse --checkpoint FILE --out DIR", "Draw reconstructions and latent traversals (rows ordered by KL) of a trained model.", TRAVERSE_FLAGS));
    return 0;
  }
  if (!flags.checkpoint) throw new UsageError("--checkpoint FILE is required");
  if (!flags.out) throw new UsageError("--out DIR is required");
  const checkpoint = decodeCheckpoint(readFileOrFail(flags.checkpoint as string, "checkpoint"));
  const out = resolve(flags.out as string);
  ensureWritableDir(out);
  const dataset = await openDataset(checkpointDataset(checkpoint), folderProgress(io.err));
  const backend = await openBackend(flags, (line) => io.err.write(`${line}\n`));
  try {
    const model = BetaVAE.build(backend, checkpoint.config.model, 1);
    loadWeights(model, checkpoint, false);
    const paths = await writeModelFigures(backend, model, dataset, flags.seed as number, out);
    io.out(`figures: ${paths.join(", ")}`);
    return 0;
  } finally {
    backend.dispose(); // stops its threads
  }
}
