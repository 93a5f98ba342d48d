// How decoded pixels become the bytes an ImageSet holds: transparency laid on one background,
// RGB kept or grey by one weighting, in every front end (sharp's raw output in Node, a canvas's
// ImageData in the browser), so a folder gives the same bytes wherever it is trained.

/**
 * What a transparent pixel is laid on before its alpha is dropped: white (each of R, G, B),
 * as image viewers show transparency and as rendered objects such as the 3D Chairs sit.
 */
export const TRANSPARENT_BACKGROUND = 255;

/**
 * Rec. 601 luma weights for R, G and B, applied to the stored (gamma-encoded) values: grey =
 * 0.299 R + 0.587 G + 0.114 B, rounded to the nearest byte.
 */
export const GREY_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** The grey byte of one RGB pixel. */
export function greyOf(r: number, g: number, b: number): number {
  return Math.round(GREY_WEIGHTS[0] * r + GREY_WEIGHTS[1] * g + GREY_WEIGHTS[2] * b);
}

/**
 * Writes the pixels of `source` (RGB or RGBA bytes, `sourceChannels` per pixel; an alpha byte
 * is skipped, so lay transparency on TRANSPARENT_BACKGROUND first) to `out` from `offset`,
 * `channels` bytes per pixel: 3 copies R, G and B, 1 writes their grey.
 */
export function packPixels(source: ArrayLike<number>, sourceChannels: 3 | 4, channels: 1 | 3, out: Uint8Array, offset = 0): void {
  if (source.length % sourceChannels !== 0) throw new RangeError(`${source.length} bytes are not whole pixels of ${sourceChannels} channels`);
  const pixels = source.length / sourceChannels;
  if (offset < 0 || offset + pixels * channels > out.length) {
    throw new RangeError(`${pixels} pixels of ${channels} channels do not fit in ${out.length} bytes from offset ${offset}`);
  }
  for (let p = 0, s = 0, o = offset; p < pixels; p++, s += sourceChannels) {
    if (channels === 1) out[o++] = greyOf(source[s], source[s + 1], source[s + 2]);
    else {
      out[o++] = source[s];
      out[o++] = source[s + 1];
      out[o++] = source[s + 2];
    }
  }
}
