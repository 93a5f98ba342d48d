/**
 * Loader for the original dSprites file, dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz:
 * a zip of .npy arrays — imgs (uint8 [737280, 64, 64], values 0/1), latents_classes
 * (int64 [737280, 6]), latents_values (float64, not needed: the values follow from the
 * classes) and metadata (a pickle, ignored).
 *
 * imgs is 3.0 GB uncompressed, more than a browser (or a typed array) should hold, so it is
 * inflated as a stream and packed to one bit per pixel on the fly: 377 MB for the full set.
 * The file's bytes are passed in (the .npz itself is ~26 MB); loadDspritesNpzFile in
 * "@betavae/datasets/node" reads it from disk.
 */
import { type Factor, type FactorDataset, FactorGrid, checkBatchBuffers } from "./factor-dataset.ts";
import { DSprites } from "./dsprites.ts";
import { DatasetFileError } from "./errors.ts";
import { type NpyHeader, npyHeaderSize, parseNpyHeader } from "./npy.ts";
import type { Rng } from "@betavae/core";
import { type ZipEntry, npzArrayEntry, readZipDirectory, streamZipEntry } from "./zip.ts";

const CANONICAL_COUNT = 737280;
const SIDE = 64;
const PACKED = (SIDE * SIDE) / 8; // bytes per bit-packed image

export interface NpzLoadOptions {
  /**
   * Accept a file holding any subset of the dSprites images (in any order, each factor
   * combination at most once) instead of exactly the canonical 737,280 in canonical order.
   */
  allowSubset?: boolean;
  /** Name of the file in error messages (default "the .npz file"). */
  name?: string;
}

/** dSprites images from the original file: the same factors as the generator, stored pixels. */
export class DspritesNpz implements FactorDataset {
  readonly name = "dsprites-npz";
  readonly height = SIDE;
  readonly width = SIDE;
  readonly channels = 1;
  readonly imageSize = SIDE * SIDE;
  readonly factors: readonly Factor[];
  /** Number of stored images. */
  readonly size: number;
  /** True when the file holds all 737,280 images in canonical order (row = canonical index). */
  readonly canonical: boolean;
  private readonly grid: FactorGrid;
  private readonly factorScratch = new Int32Array(6);

  /**
   * @param packed bit-packed images, 512 bytes each, most significant bit first, row-major
   * @param classes factor indices, 6 per image
   * @param rowOf canonical index → row (−1 when absent); undefined when canonical
   */
  constructor(
    private readonly packed: Uint8Array,
    private readonly classes: Int32Array,
    private readonly rowOf: Int32Array | undefined,
  ) {
    const ref = new DSprites();
    this.factors = ref.factors;
    this.grid = ref.grid;
    this.size = classes.length / 6;
    this.canonical = rowOf === undefined;
  }

  indexToFactors(index: number, out: Int32Array | number[] = new Int32Array(6)): Int32Array | number[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`image index ${index} is outside [0, ${this.size})`);
    for (let k = 0; k < 6; k++) out[k] = this.classes[index * 6 + k];
    return out;
  }

  factorsToIndex(factors: ArrayLike<number>): number {
    const canonical = this.grid.factorsToIndex(factors);
    if (!this.rowOf) return canonical;
    const row = this.rowOf[canonical];
    if (row < 0) throw new RangeError(`the loaded file holds no image with factors [${Array.from(factors).join(", ")}]`);
    return row;
  }

  render(factors: ArrayLike<number>, out: Float32Array, offset = 0, _rng?: Rng): void {
    this.copyImage(this.factorsToIndex(factors), out, offset);
  }

  /** Unpacks stored image `row` into out[offset …]. */
  copyImage(row: number, out: Float32Array, offset = 0): void {
    const src = row * PACKED;
    for (let i = 0; i < PACKED; i++) {
      const byte = this.packed[src + i];
      const dst = offset + 8 * i;
      for (let b = 0; b < 8; b++) out[dst + b] = (byte >> (7 - b)) & 1;
    }
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void {
    checkBatchBuffers(this, batchSize, images, factorsOut);
    for (let b = 0; b < batchSize; b++) {
      const row = rng.int(this.size);
      this.copyImage(row, images, b * this.imageSize);
      if (factorsOut) factorsOut.set(this.indexToFactors(row, this.factorScratch), b * 6);
    }
  }
}

/** Parses an .npz's bytes into a dSprites dataset; a file that is not dSprites gets a DatasetFileError. */
export function loadDspritesNpz(bytes: Uint8Array, options: NpzLoadOptions = {}): DspritesNpz {
  const what = options.name ?? "the .npz file";
  const entries = readZipDirectory(bytes, what);
  const find = (name: string): ZipEntry => {
    const e = npzArrayEntry(entries, name.replace(/\.npy$/, ""));
    if (!e) {
      const names = entries.map((x) => x.name).slice(0, 8).join(", ") || "none";
      throw new DatasetFileError(`${what} is not the dSprites .npz: it has no ${name} (entries: ${names})`);
    }
    return e;
  };
  const classes = readClasses(bytes, find("latents_classes.npy"), what, options.allowSubset ?? false);
  const count = classes.length / 6;
  const grid = new DSprites().grid;

  let rowOf: Int32Array | undefined;
  if (!options.allowSubset) {
    if (count !== CANONICAL_COUNT) {
      throw new DatasetFileError(`${what} holds ${count} images, dSprites has ${CANONICAL_COUNT} (pass allowSubset to load a subset)`);
    }
    for (let row = 0; row < count; row++) {
      if (grid.factorsToIndex(classes.subarray(row * 6, row * 6 + 6)) !== row) {
        throw new DatasetFileError(`${what}: latents_classes row ${row} is [${Array.from(classes.subarray(row * 6, row * 6 + 6)).join(", ")}], not the canonical dSprites order`);
      }
    }
  } else {
    rowOf = new Int32Array(CANONICAL_COUNT).fill(-1);
    for (let row = 0; row < count; row++) {
      const index = grid.factorsToIndex(classes.subarray(row * 6, row * 6 + 6));
      if (rowOf[index] >= 0) throw new DatasetFileError(`${what}: latents_classes rows ${rowOf[index]} and ${row} hold the same factors`);
      rowOf[index] = row;
    }
  }
  const packed = readImages(bytes, find("imgs.npy"), what, count);
  return new DspritesNpz(packed, classes, rowOf);
}

/**
 * Streams one .npy entry: parses its header (handed to `onHeader`, which validates it and
 * returns the expected data length), then passes the data bytes to `onData` with their offset.
 */
function streamNpy(
  zip: Uint8Array,
  entry: ZipEntry,
  what: string,
  onHeader: (h: NpyHeader) => number,
  onData: (chunk: Uint8Array, at: number) => void,
): void {
  const label = `${what}: ${entry.name}`;
  let head = new Uint8Array(0);
  let header: NpyHeader | undefined;
  let expected = 0, got = 0;
  streamZipEntry(zip, entry, what, (chunk) => {
    if (!header) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      const size = npyHeaderSize(joined, label);
      if (size === undefined || joined.length < size) {
        head = joined;
        return;
      }
      header = parseNpyHeader(joined, label);
      expected = onHeader(header);
      chunk = joined.subarray(size);
    }
    if (got + chunk.length > expected) throw new DatasetFileError(`${label} holds more data than its shape (${header.shape.join(", ")}) needs`);
    if (chunk.length) onData(chunk, got);
    got += chunk.length;
  });
  if (!header) throw new DatasetFileError(`${label} is truncated inside its .npy header`);
  if (got !== expected) throw new DatasetFileError(`${label} is truncated: ${got} of ${expected} data bytes`);
}

function readClasses(zip: Uint8Array, entry: ZipEntry, what: string, allowSubset: boolean): Int32Array {
  const label = `${what}: latents_classes.npy`;
  let classes = new Int32Array(0);
  let width = 8;
  // a value may straddle two chunks: keep the partial element's bytes
  const partial = new Uint8Array(8);
  let partialLen = 0;
  const sizes = [1, 3, 6, 40, 32, 32];
  let value = 0;
  const accept = (element: number, lo: number, hi: number) => {
    const col = element % 6;
    if (hi !== 0 || lo >= sizes[col]) {
      throw new DatasetFileError(`${label}: row ${Math.floor(element / 6)} column ${col} is ${hi !== 0 ? "out of range" : lo}, dSprites allows 0 … ${sizes[col] - 1}`);
    }
    classes[element] = lo;
  };
  streamNpy(
    zip,
    entry,
    what,
    (h) => {
      if (h.descr !== "<i8" && h.descr !== "<i4") throw new DatasetFileError(`${label} has dtype ${h.descr}, expected int64 ('<i8')`);
      if (h.fortranOrder) throw new DatasetFileError(`${label} is stored in Fortran order, expected C order`);
      if (h.shape.length !== 2 || h.shape[1] !== 6) throw new DatasetFileError(`${label} has shape (${h.shape.join(", ")}), expected (N, 6)`);
      const n = h.shape[0];
      if (n < 1 || n > CANONICAL_COUNT) throw new DatasetFileError(`${label} lists ${n} images, expected 1 … ${CANONICAL_COUNT}`);
      if (!allowSubset && n !== CANONICAL_COUNT) throw new DatasetFileError(`${label} lists ${n} images, dSprites has ${CANONICAL_COUNT} (pass allowSubset to load a subset)`);
      width = h.descr === "<i8" ? 8 : 4;
      classes = new Int32Array(n * 6);
      return n * 6 * width;
    },
    (chunk, at) => {
      let i = 0;
      let element = Math.floor(at / width);
      if (partialLen) {
        const need = width - partialLen;
        const take = Math.min(need, chunk.length);
        partial.set(chunk.subarray(0, take), partialLen);
        partialLen += take;
        i = take;
        if (partialLen < width) return;
        const dv = new DataView(partial.buffer);
        accept(element, dv.getInt32(0, true) >>> 0, width === 8 ? dv.getInt32(4, true) : 0);
        element++;
        partialLen = 0;
      }
      const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (; i + width <= chunk.length; i += width) {
        value = dv.getUint32(i, true);
        accept(element++, value, width === 8 ? dv.getInt32(i + 4, true) : 0);
      }
      if (i < chunk.length) {
        partial.set(chunk.subarray(i), 0);
        partialLen = chunk.length - i;
      }
    },
  );
  return classes;
}

function readImages(zip: Uint8Array, entry: ZipEntry, what: string, count: number): Uint8Array {
  const label = `${what}: imgs.npy`;
  let packed = new Uint8Array(0);
  streamNpy(
    zip,
    entry,
    what,
    (h) => {
      if (h.descr !== "|u1" && h.descr !== "|b1" && h.descr !== "<u1") throw new DatasetFileError(`${label} has dtype ${h.descr}, expected uint8 ('|u1')`);
      if (h.fortranOrder) throw new DatasetFileError(`${label} is stored in Fortran order, expected C order`);
      if (h.shape.length !== 3 || h.shape[1] !== SIDE || h.shape[2] !== SIDE) throw new DatasetFileError(`${label} has shape (${h.shape.join(", ")}), expected (N, 64, 64)`);
      if (h.shape[0] !== count) throw new DatasetFileError(`${label} holds ${h.shape[0]} images but latents_classes lists ${count}`);
      packed = new Uint8Array(count * PACKED);
      return count * SIDE * SIDE;
    },
    (chunk, at) => {
      // pixel p is bit 7 − (p mod 8) of byte ⌊p / 8⌋; p reaches 3·10⁹, past int32, so the
      // edges use plain arithmetic and the aligned middle packs eight pixels per step
      const bad = (i: number): never => {
        throw new DatasetFileError(`${label}: pixel ${at + i} has value ${chunk[i]}, dSprites images are 0/1`);
      };
      const single = (i: number) => {
        const v = chunk[i], p = at + i;
        if (v > 1) bad(i);
        if (v) packed[Math.floor(p / 8)] |= 0x80 >>> p % 8;
      };
      let i = 0;
      for (; i < chunk.length && (at + i) % 8 !== 0; i++) single(i);
      let byte = (at + i) / 8;
      for (; i + 8 <= chunk.length; i += 8) {
        const a = chunk[i], b = chunk[i + 1], c = chunk[i + 2], d = chunk[i + 3];
        const e = chunk[i + 4], f = chunk[i + 5], g = chunk[i + 6], h = chunk[i + 7];
        if ((a | b | c | d | e | f | g | h) > 1) {
          for (let k = 0; k < 8; k++) if (chunk[i + k] > 1) bad(i + k);
        }
        packed[byte++] = (a << 7) | (b << 6) | (c << 5) | (d << 4) | (e << 3) | (f << 2) | (g << 1) | h;
      }
      for (; i < chunk.length; i++) single(i);
    },
  );
  return packed;
}
