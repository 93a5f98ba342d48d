// Charts rendered headless: a KL-curve spec becomes SVG with its axes, title and legend as text,
// and a PNG of the expected size whose lines carry the scheme's colours and whose text is drawn
// with the shipped font (no system font is loaded, so text that renders proves it is found).
import { existsSync } from "node:fs";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { type KlRecord, klCurveSpec } from "./kl-curves";
import { chartFontFile, renderChart, svgToPng } from "./node";

/** Vega's "tableau10" scheme, the colours of the first latents in the legend's order. */
const TABLEAU10 = [[0x4c, 0x78, 0xa8], [0xf5, 0x85, 0x18], [0xe4, 0x57, 0x56], [0x72, 0xb7, 0xb2]];

const records: KlRecord[] = Array.from({ length: 50 }, (_, i) => ({
  step: (i + 1) * 100, C: null, klPerLatent: [Math.min(i * 0.3, 8), 0.01, Math.max(0, (i - 25) * 0.2)],
}));

function countColour(png: PNG, rgb: readonly number[], region = { x0: 0, y0: 0, x1: png.width, y1: png.height }): number {
  let n = 0;
  for (let y = region.y0; y < region.y1; y++) for (let x = region.x0; x < region.x1; x++) {
    const i = (y * png.width + x) * 4;
    if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) n++;
  }
  return n;
}

describe("renderChart", () => {
  it("draws the KL curves as SVG with axes, title and legend, and as a PNG of twice its size", async () => {
    const chart = await renderChart(klCurveSpec(records, "step"));
    for (const text of ["KL per latent against step", "KL (nats)", "step", "latent, last KL", "z0 8.00", "z2 4.80", "z1 0.01", "5,000"]) {
      expect(chart.svg).toContain(`>${text}</text>`);
    }
    const size = chart.svg.match(/^<svg[^>]* width="(\d+)" height="(\d+)"/);
    expect(size).not.toBeNull();
    const png = PNG.sync.read(Buffer.from(chart.png));
    expect([png.width, png.height]).toEqual([2 * Number(size![1]), 2 * Number(size![2])]);
    expect([chart.width, chart.height]).toEqual([png.width, png.height]);
    // one colour per latent, and no fourth
    for (const rgb of TABLEAU10.slice(0, 3)) expect(countColour(png, rgb)).toBeGreaterThan(50);
    expect(countColour(png, TABLEAU10[3])).toBe(0);
    // the title is drawn: black pixels in the top band
    expect(countColour(png, [0, 0, 0], { x0: 0, y0: 0, x1: png.width, y1: 40 })).toBeGreaterThan(100);
  });

  it("renders text only with the shipped font", () => {
    expect(existsSync(chartFontFile())).toBe(true);
    const text = (family: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="10" y="30" font-family="${family}" font-size="24" fill="black">axis 123</text></svg>`;
    const dark = (svg: string) => countColour(PNG.sync.read(Buffer.from(svgToPng(svg, 1).png)), [0, 0, 0]);
    expect(dark(text("DejaVu Sans"))).toBeGreaterThan(50);
    // a family that is not loaded falls back to the shipped font: the same pixels
    expect(dark(text("Helvetica"))).toBe(dark(text("DejaVu Sans")));
  });
});
