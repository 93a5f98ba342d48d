/**
 * A stack of images in one .npy array: uint8, shape (N, H, W) or (N, H, W, C) with C = 1 or 3,
 * values 0 … 255 read as value / 255. The images carry no factors: an ImageSource to train
 * on, not something the disentanglement metrics can score.
 */
import { DatasetFileError } from "./errors.ts";
import { ImageSet } from "./image-set.ts";
import { type NpyHeader, parseNpyHeader } from "./npy.ts";

/** Parses an .npy file's bytes into an image set called `name`; anything else gets a DatasetFileError. */
export function loadNpyImages(bytes: Uint8Array, name: string): ImageSet {
  const h = parseNpyHeader(bytes, name);
  const { count, height, width, channels } = imageArrayShape(h, bytes.length - h.dataOffset, name);
  return new ImageSet(name, height, width, channels, bytes.subarray(h.dataOffset, h.dataOffset + count * height * width * channels));
}

/** The image array a .npy header describes, checked against the `dataBytes` that follow it; anything else gets a DatasetFileError. */
export function imageArrayShape(h: NpyHeader, dataBytes: number, name: string): { count: number; height: number; width: number; channels: number } {
  if (h.descr !== "|u1") throw new DatasetFileError(`${name} has dtype ${h.descr}, an image array is uint8 ('|u1')`);
  if (h.fortranOrder) throw new DatasetFileError(`${name} is stored in Fortran order, expected C order`);
  const [count, height, width, channels = 1] = h.shape;
  if ((h.shape.length !== 3 && h.shape.length !== 4) || (channels !== 1 && channels !== 3) || count < 1) {
    throw new DatasetFileError(`${name} has shape (${h.shape.join(", ")}), an image array is (N, H, W) or (N, H, W, C) with N ≥ 1 and C = 1 or 3`);
  }
  const length = count * height * width * channels;
  if (dataBytes !== length) {
    throw new DatasetFileError(`${name} holds ${dataBytes} data bytes, its shape (${h.shape.join(", ")}) needs ${length}${dataBytes < length ? " (truncated?)" : ""}`);
  }
  return { count, height, width, channels };
}
