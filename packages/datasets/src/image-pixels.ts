// How a decoded image's pixels become the bytes a model trains on, shared by every front end
// (sharp in Node, a canvas in the browser) so a folder gives the same bytes wherever it is read.

/**
 * What a transparent pixel is laid on before its alpha is dropped: white, as image viewers
 * show transparency and as rendered objects such as the 3D Chairs sit.
 */
export const TRANSPARENT_BACKGROUND = 255;

/**
 * Packs `pixels` RGB pixels (3 bytes each) as `channels` bytes per pixel into out[offset …]:
 * RGB as it is, or grey as the Rec. 601 luma 0.299 R + 0.587 G + 0.114 B rounded (what PIL's
 * convert("L") gives, and so most published greyscale pipelines).
 */
export function packRgb(rgb: Uint8Array, pixels: number, channels: 1 | 3, out: Uint8Array, offset = 0): void {
  if (rgb.length < pixels * 3) throw new RangeError(`${rgb.length} bytes hold fewer than ${pixels} RGB pixels`);
  if (out.length < offset + pixels * channels) throw new RangeError(`the output holds ${out.length - offset} bytes, ${pixels} pixels of ${channels} channels need ${pixels * channels}`);
  if (channels === 3) {
    out.set(rgb.subarray(0, pixels * 3), offset);
    return;
  }
  for (let p = 0; p < pixels; p++) {
    out[offset + p] = Math.round(0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]);
  }
}
