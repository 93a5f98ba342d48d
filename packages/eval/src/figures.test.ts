// The figures as pixels: KL curves (Fig. 3) draw one colour per latent inside their axes,
// latent heatmaps (Fig. 2) show a ramp along the axis a latent encodes, and both refuse the
// inputs they cannot draw.
import type { RasterImage } from "@betavae/datasets";
import { GaussianBlobs, encodePng } from "@betavae/datasets";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { PALETTE, diverging, niceTicks } from "./canvas";
import { groundTruthEncoder } from "./encoder";
import { latentHeatmapFigure } from "./heatmaps";
import { type KlRecord, klCurveFigure } from "./kl-curves";
import { factorCodeEncoder, syntheticDataset } from "./test-fixtures";

const pixel = (img: RasterImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const hasColour = (img: RasterImage, rgb: readonly number[]) => {
  for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) return true;
  return false;
};

describe("klCurveFigure", () => {
  // a capacity run: latent 0 switches on first, latent 2 later, latent 1 never
  const records: KlRecord[] = Array.from({ length: 50 }, (_, i) => ({
    step: (i + 1) * 100, C: i * 0.5, klPerLatent: [Math.min(i * 0.3, 8), 0.01, Math.max(0, (i - 25) * 0.2)],
  }));

  it("draws one coloured line per latent, against step and against C", () => {
    for (const x of ["step", "capacity"] as const) {
      const img = klCurveFigure(records, x);
      expect(img.channels).toBe(3);
      for (const j of [0, 1, 2]) expect(hasColour(img, PALETTE[j])).toBe(true);
      expect(hasColour(img, PALETTE[3])).toBe(false);
      const png = PNG.sync.read(Buffer.from(encodePng(img)));
      expect([png.width, png.height]).toEqual([img.width, img.height]);
    }
  });

  it("refuses a run without C, and an empty log", () => {
    const beta = records.map((r) => ({ ...r, C: null }));
    expect(() => klCurveFigure(beta, "capacity")).toThrow(/no capacity C/);
    expect(klCurveFigure(beta, "step").width).toBeGreaterThan(0);
    expect(() => klCurveFigure([], "step")).toThrow(/no logged steps/);
  });

  it("writes tick labels wherever a tick falls, fractional pixel positions included", () => {
    const img = klCurveFigure(records, "step");
    // the x tick at step 2000 sits at a fractional x; its label "2000" is drawn below the axis
    const labelRow = img.height - 56 + 10 + 4;
    let dark = 0;
    for (let x = 0; x < img.width; x++) if (pixel(img, x, labelRow)[0] === 0) dark++;
    expect(dark).toBeGreaterThan(5 * 6);
  });

  it("places ticks on round numbers", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(100, 5000)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3]);
  });
});

describe("latentHeatmapFigure", () => {
  it("shows a latent that encodes x as a ramp along columns, constant down rows", async () => {
    const blobs = new GaussianBlobs({ positions: 8 });
    const img = await latentHeatmapFigure(blobs, groundTruthEncoder(blobs));
    // tile of z0 (x): 8 positions of 12 px from (10, 26)
    const left = pixel(img, 10 + 6, 26 + 6), right = pixel(img, 10 + 7 * 12 + 6, 26 + 6), lowLeft = pixel(img, 10 + 6, 26 + 7 * 12 + 6);
    expect(left).toEqual([...diverging(-1)]);
    expect(right).toEqual([...diverging(1)]);
    expect(lowLeft).toEqual(left);
  });

  it("orders tiles by KL and needs exactly two varying factors", async () => {
    const ds = syntheticDataset([4, 4]);
    const enc = factorCodeEncoder(ds, 3, (f, out) => {
      out[0] = 0;
      out[1] = f[1] - 1.5;
      out[2] = f[2] - 1.5;
    });
    const img = await latentHeatmapFigure(ds, enc, [0, 1, 3]);
    // first tile is z2 (highest KL): constant along columns (f1), a ramp down rows (f2)
    const cell = 24;
    expect(pixel(img, 10 + 5, 26 + 5)).toEqual(pixel(img, 10 + 3 * cell + 5, 26 + 5));
    expect(pixel(img, 10 + 5, 26 + 5)).not.toEqual(pixel(img, 10 + 5, 26 + 3 * cell + 5));
    await expect(latentHeatmapFigure(syntheticDataset([4, 4, 2]), enc)).rejects.toThrow(/exactly 2 varying factors; synthetic has 3/);
  });
});
