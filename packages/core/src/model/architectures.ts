// The two networks a BetaVAE can be, as lists of layers (docs/ARCHITECTURE.md, "The model and
// its objectives"). Both have four stride-2 convolutions down to size/16, dense layers to the
// two heads, and the mirror image back up; ReLU after every layer but the heads and the last.
// Tensor names are the same in both, so checkpoints and PyTorch state dicts read alike.
import { type ArchitectureName, type ModelConfig, architectureOf } from "./config";
import { ConvLayer, DenseLayer, type FeatureMap, type Layer } from "./layers";
import type { ParamAllocator } from "./parameters";

export interface Network {
  /** image → the hidden units the heads read (c.hidden wide) */
  encoder: Layer[];
  muHead: DenseLayer;
  logvarHead: DenseLayer;
  /** z → the decoder's output (Bernoulli logits or the Gaussian mean) */
  decoder: Layer[];
}

type Builder = (c: ModelConfig, batch: number, param: ParamAllocator) => Network;

/**
 * Burgess et al. (2018, appendix A.1): four 4×4 convolutions of k channels, dense
 * flat → hidden → hidden; decoder dense latents → hidden → hidden → flat, four 4×4 transposed
 * convolutions.
 */
const burgess: Builder = (c, batch, param) => {
  const k = c.convChannels;
  const [h16, w16] = [c.height / 16, c.width / 16];
  const map: FeatureMap = [h16, w16, k];
  const flat = h16 * w16 * k;
  return {
    encoder: [
      new ConvLayer("encoder.conv1", false, batch, c.height, c.width, c.channels, k, true, param),
      new ConvLayer("encoder.conv2", false, batch, c.height / 2, c.width / 2, k, k, true, param),
      new ConvLayer("encoder.conv3", false, batch, c.height / 4, c.width / 4, k, k, true, param),
      new ConvLayer("encoder.conv4", false, batch, c.height / 8, c.width / 8, k, k, true, param),
      new DenseLayer("encoder.fc1", batch, flat, c.hidden, true, param, { input: map }),
      new DenseLayer("encoder.fc2", batch, c.hidden, c.hidden, true, param),
    ],
    ...heads(c, batch, param),
    decoder: [
      new DenseLayer("decoder.fc1", batch, c.latents, c.hidden, true, param),
      new DenseLayer("decoder.fc2", batch, c.hidden, c.hidden, true, param),
      new DenseLayer("decoder.fc3", batch, c.hidden, flat, true, param, { output: map }),
      new ConvLayer("decoder.deconv1", true, batch, h16, w16, k, k, true, param),
      new ConvLayer("decoder.deconv2", true, batch, h16 * 2, w16 * 2, k, k, true, param),
      new ConvLayer("decoder.deconv3", true, batch, h16 * 4, w16 * 4, k, k, true, param),
      new ConvLayer("decoder.deconv4", true, batch, h16 * 8, w16 * 8, k, c.channels, false, param),
    ],
  };
};

/**
 * disentanglement_lib's `conv_encoder` and `deconv_decoder` (methods/shared/architectures.py),
 * k = 32, hidden = 256: convolutions of k, k, 2k, 2k channels, the first two 4×4 and the last
 * two 2×2 (as there, though its docstring says otherwise), all stride 2 with "same" padding;
 * dense flat → hidden. Decoder: dense latents → hidden → flat (1024 at 64×64), reshape to
 * size/16 × size/16 × 2k, 4×4 transposed convolutions to 2k, k, k and the image's channels.
 */
const dislib: Builder = (c, batch, param) => {
  const k = c.convChannels, k2 = 2 * k;
  const [h16, w16] = [c.height / 16, c.width / 16];
  const map: FeatureMap = [h16, w16, k2];
  const flat = h16 * w16 * k2;
  return {
    encoder: [
      new ConvLayer("encoder.conv1", false, batch, c.height, c.width, c.channels, k, true, param),
      new ConvLayer("encoder.conv2", false, batch, c.height / 2, c.width / 2, k, k, true, param),
      new ConvLayer("encoder.conv3", false, batch, c.height / 4, c.width / 4, k, k2, true, param, 2),
      new ConvLayer("encoder.conv4", false, batch, c.height / 8, c.width / 8, k2, k2, true, param, 2),
      new DenseLayer("encoder.fc1", batch, flat, c.hidden, true, param, { input: map }),
    ],
    ...heads(c, batch, param),
    decoder: [
      new DenseLayer("decoder.fc1", batch, c.latents, c.hidden, true, param),
      new DenseLayer("decoder.fc2", batch, c.hidden, flat, true, param, { output: map }),
      new ConvLayer("decoder.deconv1", true, batch, h16, w16, k2, k2, true, param),
      new ConvLayer("decoder.deconv2", true, batch, h16 * 2, w16 * 2, k2, k, true, param),
      new ConvLayer("decoder.deconv3", true, batch, h16 * 4, w16 * 4, k, k, true, param),
      new ConvLayer("decoder.deconv4", true, batch, h16 * 8, w16 * 8, k, c.channels, false, param),
    ],
  };
};

function heads(c: ModelConfig, batch: number, param: ParamAllocator): Pick<Network, "muHead" | "logvarHead"> {
  return {
    muHead: new DenseLayer("encoder.mu", batch, c.hidden, c.latents, false, param),
    logvarHead: new DenseLayer("encoder.logvar", batch, c.hidden, c.latents, false, param),
  };
}

const BUILDERS: Record<ArchitectureName, Builder> = { burgess, dislib };

/** The layers of `c`'s architecture, their parameters asked of `param` in arena order. */
export function buildNetwork(c: ModelConfig, batch: number, param: ParamAllocator): Network {
  return BUILDERS[architectureOf(c)](c, batch, param);
}
