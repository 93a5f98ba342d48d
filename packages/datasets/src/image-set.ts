import type { Rng } from "@betavae/core";
import { type ImageSource, checkImageBuffer } from "./image-source.ts";

/**
 * A fixed set of images held in memory, with nothing known of how they were made: an image
 * source without factors. Bytes are read as value / 255, floats as they are (they should lie
 * in [0, 1]). A batch draws each image uniformly, one rng.int per image.
 */
export class ImageSet implements ImageSource {
  readonly imageSize: number;
  /** Number of images held. */
  readonly count: number;

  /** @param pixels count · height · width · channels values, image after image, HWC */
  constructor(
    readonly name: string,
    readonly height: number,
    readonly width: number,
    readonly channels: number,
    private readonly pixels: Uint8Array | Float32Array,
  ) {
    for (const [what, v] of [["height", height], ["width", width], ["channels", channels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`image ${what} must be a positive integer, got ${v}`);
    }
    this.imageSize = height * width * channels;
    this.count = pixels.length / this.imageSize;
    if (!Number.isInteger(this.count) || this.count < 1) {
      throw new RangeError(`${pixels.length} values are not a whole, non-zero number of ${height}×${width}×${channels} images`);
    }
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array): void {
    checkImageBuffer(this, batchSize, images);
    for (let b = 0; b < batchSize; b++) this.copyImage(rng.int(this.count), images, b * this.imageSize);
  }

  /** Writes stored image `index` at out[offset … offset + imageSize). */
  copyImage(index: number, out: Float32Array, offset = 0): void {
    const size = this.imageSize, src = index * size, pixels = this.pixels;
    if (pixels instanceof Float32Array) out.set(pixels.subarray(src, src + size), offset);
    else for (let i = 0; i < size; i++) out[offset + i] = pixels[src + i] / 255;
  }
}
