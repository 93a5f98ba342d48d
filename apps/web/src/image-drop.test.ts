import { CELEBA_CROP_SIDE } from "@betavae/datasets";
import { describe, expect, it } from "vitest";
import { type FoundFile, MAX_IMAGES, cutPlan, describeImages, nothingToTrainOn } from "./image-drop";

const file = (path: string): FoundFile => ({ path, blob: () => Promise.reject(new Error("not read here")) });

describe("cutting dropped images", () => {
  it("takes the centred square the datasets package's rule gives, then scales it to the model's side", () => {
    expect(cutPlan(300, 200, 64)).toEqual({ sx: 50, sy: 0, sw: 200, sh: 200, side: 64 });
    expect(cutPlan(178, 218, 64, CELEBA_CROP_SIDE)).toEqual({ sx: 15, sy: 35, sw: 148, sh: 148, side: 64 });
    expect(cutPlan(40, 41, 64)).toEqual({ sx: 0, sy: 0, sw: 40, sh: 40, side: 64 }); // small images are scaled up
  });
});

describe("what the page says of a drop", () => {
  const found = { source: "faces.zip", images: [file("a.png"), file("b.jpg"), file("c.png")], overCap: 0, notImages: 2 };

  it("counts the images, names the unreadable ones and counts the files left out, in one line", () => {
    const decoded = { pixels: new Uint8Array(2 * 64 * 64 * 3), count: 2, unreadable: ["b.jpg"] };
    expect(describeImages(found, decoded, { channels: 3 })).toBe(
      "2 images from faces.zip, 64×64 RGB, largest centred square · 1 unreadable: b.jpg · 2 files that are not JPEG, PNG or WebP left out",
    );
    const unreadable = Array.from({ length: 12 }, (_, i) => `bad${i}.png`);
    expect(describeImages({ ...found, notImages: 1, overCap: 5 }, { ...decoded, count: 1, unreadable }, { channels: 1, cropSide: 148 })).toBe(
      `1 image from faces.zip, 64×64 grey, centred 148-pixel crop · the first ${MAX_IMAGES} of ${MAX_IMAGES + 5} (the page holds at most ${MAX_IMAGES})`
      + " · 12 unreadable: bad0.png, bad1.png, bad2.png, bad3.png, bad4.png, bad5.png, bad6.png, bad7.png, bad8.png, bad9.png and 2 more"
      + " · 1 file that is not JPEG, PNG or WebP left out",
    );
  });

  it("says in one line when there is nothing to train on", () => {
    expect(nothingToTrainOn({ ...found, images: [] })).toBe("faces.zip holds no JPEG, PNG or WebP images");
    expect(nothingToTrainOn(found, { pixels: new Uint8Array(0), count: 0, unreadable: ["a.png", "b.jpg", "c.png"] }))
      .toBe("none of the 3 images in faces.zip could be read: a.png, b.jpg, c.png");
    expect(nothingToTrainOn(found)).toBeNull();
  });
});
