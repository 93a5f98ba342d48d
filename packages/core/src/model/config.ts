// The model's configuration: the Burgess et al. (2018, appendix A.1) architecture by default,
// with image size, channels, latent count and widths configurable.

export interface ModelConfig {
  /** Image height and width (multiples of 16: four stride-2 convolutions reach size/16). */
  height: number;
  width: number;
  /** Image channels (1 for dSprites, 3 for colour). */
  channels: number;
  /** Number of Gaussian latents. */
  latents: number;
  /** Channels of every convolution (32 in the paper). */
  convChannels: number;
  /** Width of the hidden dense layers (256 in the paper). */
  hidden: number;
  /** Bernoulli logits per pixel, or a Gaussian mean with fixed variance. */
  likelihood: "bernoulli" | "gaussian";
  /** The Gaussian likelihood's fixed variance (ignored for Bernoulli). */
  variance: number;
}

export const BURGESS_CONFIG: ModelConfig = {
  height: 64, width: 64, channels: 1, latents: 10, convChannels: 32, hidden: 256, likelihood: "bernoulli", variance: 1,
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function validateModelConfig(c: ModelConfig): ModelConfig {
  const int = (v: unknown, what: string, lo: number, hi: number) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
      throw new ConfigError(`${what} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
    }
  };
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
