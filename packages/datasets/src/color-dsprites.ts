import { DSprites } from "./dsprites.ts";
import type { DSpritesGeometry } from "./dsprites-geometry.ts";
import type { Rng } from "@betavae/core";

/**
 * Coloured dSprites: the dSprites mask times an RGB colour drawn from U(0.5, 1)³ per image,
 * 64×64×3 (HWC). The colour is nuisance variation, not a factor: the factors are dSprites'
 * six. With an rng (sampleBatch always passes one) the colour is drawn from it, three
 * uniforms after the image index; without one, render() uses a fixed colour hashed from the
 * image index, so a factor vector alone still names one reproducible image.
 */
export class ColorDSprites extends DSprites {
  override readonly name: string = "color-dsprites";
  override readonly channels: number = 3;
  override readonly imageSize: number = 64 * 64 * 3;
  private readonly color = new Float64Array(3);

  constructor(geometry?: DSpritesGeometry) {
    super(geometry);
  }

  override render(factors: ArrayLike<number>, out: Float32Array, offset = 0, rng?: Rng): void {
    const n = this.rasterize(factors);
    const color = this.color;
    if (rng) {
      for (let k = 0; k < 3; k++) color[k] = rng.uniform(0.5, 1);
    } else {
      hashColor(this.grid.factorsToIndex(factors), color);
    }
    out.fill(0, offset, offset + this.imageSize);
    const spans = this.spanBuffer;
    for (let i = 0; i < n; i++) {
      const row = offset + spans[3 * i] * this.width * 3;
      for (let x = spans[3 * i + 1]; x < spans[3 * i + 2]; x++) {
        out[row + 3 * x] = color[0];
        out[row + 3 * x + 1] = color[1];
        out[row + 3 * x + 2] = color[2];
      }
    }
  }
}

/** A colour in [0.5, 1)³ that depends only on `index` (integer hashing, same on every engine). */
function hashColor(index: number, out: Float64Array): void {
  let h = (index ^ 0x5bd1e995) >>> 0;
  for (let k = 0; k < 3; k++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
    h = (h ^ (h >>> 15)) >>> 0;
    out[k] = 0.5 + 0.5 * (h / 4294967296);
  }
}
