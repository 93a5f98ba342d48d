import { type Factor, type FactorDataset, FactorGrid, checkBatchBuffers, linspace } from "./factor-dataset.ts";
import { rasterizePolygon } from "./raster.ts";
import type { Rng } from "@betavae/core";
import { DEFAULT_GEOMETRY, type DSpritesGeometry } from "./dsprites-geometry.ts";

export const DSPRITES_FACTOR_NAMES = ["color", "shape", "scale", "orientation", "posX", "posY"] as const;
export const DSPRITES_SHAPES = ["square", "ellipse", "heart"] as const;

/** Index bases of the canonical dSprites order (posY fastest). */
export const DSPRITES_BASES: readonly number[] = [737280, 245760, 40960, 1024, 32, 1];

function dspritesFactors(): Factor[] {
  return [
    { name: "color", size: 1, values: [1] },
    { name: "shape", size: 3, values: [1, 2, 3] },
    { name: "scale", size: 6, values: linspace(0.5, 1, 6) },
    { name: "orientation", size: 40, values: linspace(0, 2 * Math.PI, 40) },
    { name: "posX", size: 32, values: linspace(0, 1, 32) },
    { name: "posY", size: 32, values: linspace(0, 1, 32) },
  ];
}

/**
 * Renders dSprites images on demand. The geometry (DEFAULT_GEOMETRY, see dsprites-geometry.ts)
 * was fitted to the real frames; rendering is exact scanline filling of a precomputed,
 * rotated and scaled outline, with no allocation after the first use of each
 * (shape, scale, orientation).
 */
export class DSprites implements FactorDataset {
  readonly name: string = "dsprites";
  readonly height = 64;
  readonly width = 64;
  readonly channels: number = 1;
  readonly imageSize: number = 64 * 64;
  readonly factors: readonly Factor[] = dspritesFactors();
  readonly grid = new FactorGrid(this.factors.map((f) => f.size));
  readonly size = this.grid.size;
  readonly geometry: DSpritesGeometry;

  private readonly polygons: (Float64Array | undefined)[] = new Array(3 * 6 * 40);
  private readonly spans: Int32Array;
  private readonly crossings: Float64Array;
  private readonly factorScratch = new Int32Array(6);

  constructor(geometry: DSpritesGeometry = DEFAULT_GEOMETRY) {
    if (geometry.shapes.length !== 3 || geometry.shapes.some((s) => s.sizes.length !== 6 || s.outline.length < 6)) {
      throw new RangeError("dSprites geometry needs 3 shapes, each with an outline and 6 sizes");
    }
    this.geometry = geometry;
    const maxVertices = Math.max(...geometry.shapes.map((s) => s.outline.length >> 1));
    this.crossings = new Float64Array(maxVertices);
    this.spans = new Int32Array(3 * this.height * Math.ceil(maxVertices / 2));
  }

  indexToFactors(index: number, out?: Int32Array | number[]): Int32Array | number[] {
    return this.grid.indexToFactors(index, out);
  }

  factorsToIndex(factors: ArrayLike<number>): number {
    return this.grid.factorsToIndex(factors);
  }

  /** The outline for (shape, scale, orientation), rotated and scaled, around the origin. */
  polygon(shape: number, scale: number, orientation: number): Float64Array {
    const key = (shape * 6 + scale) * 40 + orientation;
    let poly = this.polygons[key];
    if (!poly) {
      const { outline, sizes } = this.geometry.shapes[shape];
      const theta = this.factors[3].values[orientation];
      const m = sizes[scale];
      // screen coordinates have y down, so a counter-clockwise turn on screen is
      // x' = x cos θ + y sin θ, y' = −x sin θ + y cos θ
      const sgn = this.geometry.counterClockwise ? 1 : -1;
      const c = Math.cos(theta) * m, s = Math.sin(theta) * m * sgn;
      poly = new Float64Array(outline.length);
      for (let i = 0; i < outline.length; i += 2) {
        const x = outline[i], y = outline[i + 1];
        poly[i] = x * c + y * s;
        poly[i + 1] = -x * s + y * c;
      }
      this.polygons[key] = poly;
    }
    return poly;
  }

  /** Sprite centre in pixel coordinates for a position index. */
  center(posIndex: number): number {
    const { centerMin, centerMax } = this.geometry;
    return centerMin + (centerMax - centerMin) * this.factors[4].values[posIndex];
  }

  /**
   * Visits the white pixel runs of an image: returns the span count, spans in `this.spans`
   * as (row, xStart, xEnd) triples.
   */
  protected rasterize(factors: ArrayLike<number>): number {
    this.grid.check(factors);
    const poly = this.polygon(factors[1], factors[2], factors[3]);
    return rasterizePolygon(this.spans, this.crossings, poly, this.center(factors[4]), this.center(factors[5]), this.width, this.height);
  }

  /** The last rasterize()'s runs. */
  protected get spanBuffer(): Int32Array {
    return this.spans;
  }

  render(factors: ArrayLike<number>, out: Float32Array, offset = 0, _rng?: Rng): void {
    const n = this.rasterize(factors);
    out.fill(0, offset, offset + this.imageSize);
    const spans = this.spans;
    for (let i = 0; i < n; i++) {
      const row = offset + spans[3 * i] * this.width;
      out.fill(1, row + spans[3 * i + 1], row + spans[3 * i + 2]);
    }
  }

  sampleBatch(rng: Rng, batchSize: number, images: Float32Array, factorsOut?: Int32Array): void {
    checkBatchBuffers(this, batchSize, images, factorsOut);
    const f = this.factorScratch;
    for (let b = 0; b < batchSize; b++) {
      this.grid.indexToFactors(rng.int(this.size), f);
      this.render(f, images, b * this.imageSize, rng);
      if (factorsOut) factorsOut.set(f, b * 6);
    }
  }
}
