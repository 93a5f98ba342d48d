// bvae traverse: the reconstruction and traversal figures of a checkpoint.
import { resolve } from "node:path";
import { BetaVAE, createBackend, decodeCheckpoint, loadWeights } from "@betavae/core";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { openDataset } from "../datasets";
import { ensureWritableDir, readFileOrFail } from "../files";
import { writeFigures } from "./train";

export const TRAVERSE_FLAGS: FlagSpecs = {
  checkpoint: { type: "string", placeholder: "FILE", help: "checkpoint.safetensors written by bvae train" },
  out: { type: "string", placeholder: "DIR", help: "where to write reconstructions.png and traversal.png" },
  seed: { type: "int", min: 0, help: "seed of the images shown", default: 1 },
  backend: { type: "choice", choices: ["wasm", "wasm-simd", "wasm-relaxed", "reference"], help: "compute backend", default: "wasm" },
};

export async function traverse(argv: string[], io: { out: (line: string) => void }): Promise<number> {
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
  const dataset = openDataset(String(checkpoint.app.dataset ?? "dsprites"), typeof checkpoint.app.dataFile === "string" ? checkpoint.app.dataFile : undefined);
  const backend = await createBackend(flags.backend as string);
  const model = BetaVAE.build(backend, checkpoint.config.model, 1);
  loadWeights(model, checkpoint, false);
  const paths = await writeFigures(backend, { model }, dataset, flags.seed as number, out);
  io.out(`figures: ${paths.join(", ")}`);
  return 0;
}
