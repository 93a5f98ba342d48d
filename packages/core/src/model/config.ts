// The model's configuration: the Burgess et al. (2018, appendix A.1) architecture by default,
// or disentanglement_lib's, with image size, channels, latent count and widths configurable.

/**
 * The network's shape (model/architectures.ts): "burgess" (Burgess et al. 2018, appendix A.1)
 * or "dislib" (disentanglement_lib's conv_encoder and deconv_decoder, as Locatello et al. 2019
 * trained every model).
 */
export type ArchitectureName = "burgess" | "dislib";
export const ARCHITECTURE_NAMES: readonly ArchitectureName[] = ["burgess", "dislib"];

export interface ModelConfig {
  /** Absent in checkpoints written before there was a choice: those are "burgess" (`architectureOf`). */
  architecture?: ArchitectureName;
  /** Image height and width (multiples of 16: four stride-2 convolutions reach size/16). */
  height: number;
  width: number;
  /** Image channels (1 for dSprites, 3 for colour). */
  channels: number;
  /** Number of Gaussian latents. */
  latents: number;
  /** Channels of every convolution (32 in the paper); "dislib" doubles them in its last two (32, 32, 64, 64). */
  convChannels: number;
  /** Width of the hidden dense layers (256 in both architectures). */
  hidden: number;
  /** Bernoulli logits per pixel, or a Gaussian mean with fixed variance. */
  likelihood: "bernoulli" | "gaussian";
  /** The Gaussian likelihood's fixed variance (ignored for Bernoulli). */
  variance: number;
}

export const BURGESS_CONFIG: ModelConfig = {
  architecture: "burgess", height: 64, width: 64, channels: 1, latents: 10, convChannels: 32, hidden: 256, likelihood: "bernoulli", variance: 1,
};

/** The architecture `c` is built with. */
export function architectureOf(c: ModelConfig): ArchitectureName {
  return c.architecture ?? "burgess";
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function validateModelConfig(c: ModelConfig): ModelConfig {
  const int = (v: unknown, what: string, lo: number, hi: number) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
      throw new ConfigError(`${what} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
    }
  };
  if (c.architecture !== undefined && !ARCHITECTURE_NAMES.includes(c.architecture)) {
    throw new ConfigError(`architecture must be ${ARCHITECTURE_NAMES.map((a) => `"${a}"`).join(" or ")}, got ${String(c.architecture)}`);
  }
  int(c.height, "height", 16, 1024);
  int(c.width, "width", 16, 1024);
  if (c.height % 16 || c.width % 16) throw new ConfigError(`image size must be a multiple of 16, got ${c.height}×${c.width}`);
  int(c.channels, "channels", 1, 4);
  int(c.latents, "latents", 1, 512);
  int(c.convChannels, "convChannels", 1, 512);
  int(c.hidden, "hidden", 1, 8192);
  if (c.likelihood !== "bernoulli" && c.likelihood !== "gaussian") {
    throw new ConfigError(`likelihood must be "bernoulli" or "gaussian", got ${String(c.likelihood)}`);
  }
  if (!(typeof c.variance === "number" && c.variance > 0 && Number.isFinite(c.variance))) {
    throw new ConfigError(`variance must be a positive number, got ${String(c.variance)}`);
  }
  return c;
}
