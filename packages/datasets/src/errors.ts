/** A dataset file (.npz / .npy) that is missing, malformed, truncated or not what was expected. */
export class DatasetFileError extends Error {
  override readonly name = "DatasetFileError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Something that needs each image's generative factors (a disentanglement metric, the
 * ground-truth encoder, latent heatmaps) was given an image source without them. A RangeError,
 * so front ends print it as the one line it is.
 */
export class NoFactorsError extends RangeError {
  override readonly name = "NoFactorsError";
}
