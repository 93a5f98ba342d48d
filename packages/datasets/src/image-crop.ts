// Where an image of any size is cut before it is scaled to the model's square input. One rule
// for every front end (sharp in Node, a canvas in the browser), so a folder gives the same
// pixels wherever it is trained.

/** A rectangle in source pixels. */
export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * CelebA's usual crop: the aligned faces are 178 × 218 and a centred 148-pixel square keeps
 * the face and drops most of the background (as most β-VAE work on CelebA at 64 × 64 does).
 */
export const CELEBA_CROP_SIDE = 148;

/**
 * The centred square of a `width` × `height` image: `side` pixels when given (clipped to the
 * image's shorter edge), otherwise the largest one. Offsets round down, so odd margins leave
 * the extra pixel at the right or bottom.
 */
export function centreCrop(width: number, height: number, side?: number): CropRect {
  for (const [what, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`image ${what} must be a positive integer, got ${v}`);
  }
  if (side !== undefined && (!Number.isInteger(side) || side < 1)) throw new RangeError(`crop side must be a positive integer, got ${side}`);
  const s = Math.min(side ?? Infinity, width, height);
  return { left: Math.floor((width - s) / 2), top: Math.floor((height - s) / 2), width: s, height: s };
}

/** How a crop is named on a command line or in a picker: the largest square, CelebA's, or a side in pixels. */
export type CropSpec = "square" | "celeba" | `${number}`;

/**
 * The side a crop named `spec` cuts (undefined: the largest centred square), or a RangeError
 * saying what a crop may be.
 */
export function cropSide(spec: string): number | undefined {
  if (spec === "square") return undefined;
  if (spec === "celeba") return CELEBA_CROP_SIDE;
  const side = /^[0-9]{1,6}$/.test(spec) ? Number(spec) : NaN;
  if (!(side >= 1)) throw new RangeError(`a crop is 'square' (the largest centred square), 'celeba' (${CELEBA_CROP_SIDE} pixels) or a side in pixels, got '${spec}'`);
  return side;
}
