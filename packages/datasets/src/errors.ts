/** A dataset file (.npz / .npy) that is missing, malformed, truncated or not what was expected. */
export class DatasetFileError extends Error {
  override readonly name = "DatasetFileError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
