import type { Rng } from "@betavae/core";
import { type ImageSource, checkImageBuffer } from "./image-source.ts";
import type { RowReader } from "./row-reader.ts";

/**
 * A uint8 image array that stays on disk: each batch reads only its images' bytes, through a
 * RowReader (a worker thread), into reused buffers. Batches draw exactly as an ImageSet over
 * the same bytes does (one rng.int(count) per image, value / 255), so a run trains to the
 * same bits whether its images are in memory or streamed. prefetch() reads the rows the next
 * sampleBatch will draw while the caller computes; a sampleBatch whose rows were not
 * prefetched reads them synchronously.
 */
export class StreamedImages implements ImageSource {
  readonly imageSize: number;
  /** The rows (image indices) of the last batch drawn, in batch order. */
  private drawn = new Int32Array(0);
  private ahead = new Int32Array(0);
  private aheadCount = -1;
  private readonly one = new Int32Array(1);

  constructor(
    readonly name: string,
    readonly height: number,
    readonly width: number,
    readonly channels: number,
    /** Number of images in the file. */
    readonly count: number,
    private readonly reader: RowReader,
    /** The reader's dataset holding the images (an HDF5 dataset's name; ignored for a plain file). */
    private readonly dataset = "",
  ) {
    this.imageSize = height * width * channels;
  }

  /** The rows of the last batch sampleBatch drew: rowsDrawn()[b] is image b's index. */
  rowsDrawn(batchSize: number): Int32Array {
    return this.drawn.subarray(0, batchSize);
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array): void {
    checkImageBuffer(this, batchSize, images);
    const rows = this.draw(rng, batchSize, "drawn");
    const bytes = this.prefetchedMatches(rows, batchSize)
      ? this.reader.prefetched(batchSize, this.imageSize)
      : this.reader.readSync(this.dataset, rows, batchSize, this.imageSize);
    this.aheadCount = -1; // a prefetch serves one batch
    toFloats(bytes, images, 0, batchSize * this.imageSize);
  }

  async prefetch(rng: Rng, batchSize: number): Promise<void> {
    const rows = this.draw(rng, batchSize, "ahead");
    this.aheadCount = batchSize;
    await this.reader.read(this.dataset, rows, batchSize, this.imageSize);
  }

  /** Writes stored image `index` at out[offset … offset + imageSize) (as ImageSet.copyImage does). */
  copyImage(index: number, out: Float32Array, offset = 0): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`image index ${index} is outside [0, ${this.count})`);
    this.one[0] = index;
    toFloats(this.reader.readSync(this.dataset, this.one, 1, this.imageSize), out, offset, this.imageSize);
  }

  /** Stops the reader's thread; the source cannot be read afterwards. */
  close(): void {
    this.reader.close();
  }

  private draw(rng: Rng, batchSize: number, into: "drawn" | "ahead"): Int32Array {
    if (this[into].length < batchSize) this[into] = new Int32Array(batchSize);
    const rows = this[into];
    for (let b = 0; b < batchSize; b++) rows[b] = rng.int(this.count);
    return rows;
  }

  private prefetchedMatches(rows: Int32Array, batchSize: number): boolean {
    if (this.aheadCount !== batchSize) return false;
    for (let b = 0; b < batchSize; b++) if (this.ahead[b] !== rows[b]) return false;
    return true;
  }
}

/** out[offset + i] = bytes[i] / 255 for i < length: the same division ImageSet makes, so the same floats. */
function toFloats(bytes: Uint8Array, out: Float32Array, offset: number, length: number): void {
  for (let i = 0; i < length; i++) out[offset + i] = bytes[i] / 255;
}
