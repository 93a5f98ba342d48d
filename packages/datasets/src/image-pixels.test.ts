import { describe, expect, it } from "vitest";
import { GREY_WEIGHTS, greyOf, packPixels } from "./image-pixels.ts";

describe("packPixels", () => {
  // grey values worked by hand: 0.299 R + 0.587 G + 0.114 B, rounded
  const rgba = [255, 0, 0, 255, /**/ 0, 255, 0, 128, /**/ 0, 0, 255, 0, /**/ 10, 200, 30, 255, /**/ 255, 255, 255, 255];
  const greys = [76, 150, 29, 124, 255]; // 76.245, 149.685, 29.07, 123.81, 255

  it("turns colour into grey by the Rec. 601 weights, rounded to the nearest byte", () => {
    expect(GREY_WEIGHTS).toEqual([0.299, 0.587, 0.114]);
    const out = new Uint8Array(5);
    packPixels(rgba, 4, 1, out);
    expect(Array.from(out)).toEqual(greys);
    expect(greyOf(1, 1, 2)).toBe(1); // 1.114
    expect(greyOf(2, 2, 6)).toBe(2); // 2.456
    expect(greyOf(0, 1, 0)).toBe(1); // 0.587
  });

  it("keeps R, G and B, skipping alpha, and writes from an offset", () => {
    const out = new Uint8Array(2 + 15).fill(7);
    packPixels(rgba, 4, 3, out, 2);
    expect(Array.from(out)).toEqual([7, 7, 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 255, 255, 255]);
    const rgb = new Uint8Array(6);
    packPixels([1, 2, 3, 4, 5, 6], 3, 3, rgb);
    expect(Array.from(rgb)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("refuses partial pixels and an output too small", () => {
    expect(() => packPixels([1, 2, 3, 4, 5], 4, 1, new Uint8Array(2))).toThrow("5 bytes are not whole pixels of 4 channels");
    expect(() => packPixels(rgba, 4, 3, new Uint8Array(15), 1)).toThrow("5 pixels of 3 channels do not fit in 15 bytes from offset 1");
  });
});
