// bvae info: what a checkpoint holds.
import { architectureOf, decodeCheckpoint, describeObjective } from "@betavae/core";
import { checkpointDataset } from "@betavae/datasets";
import { type FlagSpecs, UsageError, helpText, parseFlags } from "../args";
import { readFileOrFail } from "../files";

export const INFO_FLAGS: FlagSpecs = {
  checkpoint: { type: "string", placeholder: "FILE", help: "checkpoint.safetensors written by bvae train" },
  json: { type: "bool", help: "print the config and state as JSON" },
};

export async function info(argv: string[], io: { out: (line: string) => void }): Promise<number> {
  const { flags, help } = parseFlags(argv, INFO_FLAGS, "info");
  if (help) {
    io.out(helpText("usage: bvae info --checkpoint FILE", "Print a checkpoint's configuration and training state.", INFO_FLAGS));
    return 0;
  }
  if (!flags.checkpoint) throw new UsageError("--checkpoint FILE is required");
  const c = decodeCheckpoint(readFileOrFail(flags.checkpoint as string, "checkpoint"));
  if (flags.json) {
    io.out(JSON.stringify({ app: c.app, config: c.config, state: c.state }, null, 2));
    return 0;
  }
  const m = c.config.model;
  const o = c.config.objective;
  const weights = [...c.tensors.entries()].filter(([name]) => !name.startsWith("optimizer."));
  const count = weights.reduce((n, [, t]) => n + t.data.length, 0);
  io.out([
    `checkpoint   ${flags.checkpoint}`,
    `dataset      ${describeDataset(c)}`,
    `model        ${architectureOf(m)} architecture, ${m.height}×${m.width}×${m.channels} images, ${m.latents} latents, conv ${m.convChannels}, hidden ${m.hidden}, ${m.likelihood} likelihood; ${count} parameters in ${weights.length} tensors`,
    `objective    ${describeObjective(o)}`,
    `optimiser    Adam lr ${c.config.optimiser.lr}, β1 ${c.config.optimiser.beta1}, β2 ${c.config.optimiser.beta2}, eps ${c.config.optimiser.eps}`,
    `batch, seed  ${c.config.batch}, ${c.config.seed}`,
    `step         ${c.state.step}`,
  ].join("\n"));
  return 0;
}

/** The dataset the commands would use with this checkpoint, or why none. */
function describeDataset(c: Parameters<typeof checkpointDataset>[0]): string {
  try {
    const { name, dataFile, imageFolder } = checkpointDataset(c);
    if (imageFolder) return `the images in ${imageFolder.dir} (${imageFolder.channels === 3 ? "RGB" : "grey"}, crop ${imageFolder.crop}; cached in ${dataFile})`;
    return `${name}${dataFile ? ` (${dataFile})` : ""}${c.app.dataset === undefined ? " (not recorded; implied by its channels)" : ""}`;
  } catch (e) {
    return (e as Error).message;
  }
}
