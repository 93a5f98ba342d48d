import { describe, expect, it } from "vitest";
import { CELEBA_CROP_SIDE, centreCrop, cropSide } from "./image-crop.ts";

describe("centreCrop", () => {
  it("takes the largest centred square", () => {
    expect(centreCrop(100, 60)).toEqual({ left: 20, top: 0, width: 60, height: 60 });
    expect(centreCrop(60, 101)).toEqual({ left: 0, top: 20, width: 60, height: 60 });
    expect(centreCrop(64, 64)).toEqual({ left: 0, top: 0, width: 64, height: 64 });
  });
  it("cuts CelebA's aligned faces to the centred 148-pixel square", () => {
    expect(centreCrop(178, 218, CELEBA_CROP_SIDE)).toEqual({ left: 15, top: 35, width: 148, height: 148 });
  });
  it("clips a side larger than the image to its shorter edge", () => {
    expect(centreCrop(50, 40, 148)).toEqual({ left: 5, top: 0, width: 40, height: 40 });
  });
  it("refuses sizes that are not positive integers", () => {
    expect(() => centreCrop(0, 10)).toThrow("image width must be a positive integer, got 0");
    expect(() => centreCrop(10, 2.5)).toThrow("image height must be a positive integer, got 2.5");
    expect(() => centreCrop(10, 10, -1)).toThrow("crop side must be a positive integer, got -1");
  });
});

describe("cropSide", () => {
  it("reads the largest square, CelebA's crop and a side in pixels", () => {
    expect(cropSide("square")).toBeUndefined();
    expect(cropSide("celeba")).toBe(148);
    expect(cropSide("400")).toBe(400);
  });
  it("refuses anything else in one sentence", () => {
    for (const bad of ["0", "-3", "1.5", "wide", "", "64px"]) {
      expect(() => cropSide(bad)).toThrow(`a crop is 'square' (the largest centred square), 'celeba' (148 pixels) or a side in pixels, got '${bad}'`);
    }
  });
});
