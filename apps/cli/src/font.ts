// A 3×5 pixel font for the few labels figures need (latent names and KL values), drawn
// into 8-bit images: no font files, the same pixels everywhere.
import type { RasterImage } from "@betavae/datasets";

const GLYPHS: Record<string, string[]> = {
  "0": ["###", "#.#", "#.#", "#.#", "###"], "1": [".#.", "##.", ".#.", ".#.", "###"],
  "2": ["###", "..#", "###", "#..", "###"], "3": ["###", "..#", "###", "..#", "###"],
  "4": ["#.#", "#.#", "###", "..#", "..#"], "5": ["###", "#..", "###", "..#", "###"],
  "6": ["###", "#..", "###", "#.#", "###"], "7": ["###", "..#", "..#", "..#", "..#"],
  "8": ["###", "#.#", "###", "#.#", "###"], "9": ["###", "#.#", "###", "..#", "###"],
  ".": ["...", "...", "...", "...", ".#."], "-": ["...", "...", "###", "...", "..."],
  "+": ["...", ".#.", "###", ".#.", "..."], " ": ["...", "...", "...", "...", "..."],
  "=": ["...", "###", "...", "###", "..."], ":": ["...", ".#.", "...", ".#.", "..."],
  z: ["...", "###", ".#.", "#..", "###"], K: ["#.#", "#.#", "##.", "#.#", "#.#"],
  L: ["#..", "#..", "#..", "#..", "###"], n: ["...", "##.", "#.#", "#.#", "#.#"],
  a: ["...", "##.", ".##", "#.#", "###"], t: [".#.", "###", ".#.", ".#.", ".##"],
  s: ["...", ".##", "##.", "..#", "##."],
};

/** Width in pixels of `text` at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length * 4 * scale - scale;
}

/** Draws `text` with its top-left corner at (x, y), in the given gray/colour value. */
export function drawText(img: RasterImage, text: string, x: number, y: number, scale: number, value = 255): void {
  for (const [n, ch] of [...text].entries()) {
    const glyph = GLYPHS[ch] ?? GLYPHS[" "];
    for (let gy = 0; gy < 5; gy++) {
      for (let gx = 0; gx < 3; gx++) {
        if (glyph[gy][gx] !== "#") continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const px = x + (n * 4 + gx) * scale + sx, py = y + gy * scale + sy;
            if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
            img.data.fill(value, (py * img.width + px) * img.channels, (py * img.width + px + 1) * img.channels);
          }
        }
      }
    }
  }
}
