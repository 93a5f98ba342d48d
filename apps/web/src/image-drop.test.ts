import { CELEBA_CROP_SIDE } from "@betavae/datasets";
import { describe, expect, it } from "vitest";
import { type FoundFile, MAX_IMAGES, cutPlan, describeImages, filesOfDrop, nothingToTrainOn } from "./image-drop";

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

describe("a dropped folder", () => {
  // the browser's entry objects, as far as the walk uses them: readEntries hands out at most `batch` entries a call
  const fileEntry = (fullPath: string) => ({ isDirectory: false, name: fullPath.split("/").pop()!, fullPath, file: (ok: (f: File) => void) => ok(new File([fullPath], fullPath)) });
  const dirEntry = (fullPath: string, children: object[], batch = 2) => ({
    isDirectory: true, name: fullPath.split("/").pop()!, fullPath,
    createReader: () => {
      let at = 0;
      return { readEntries: (ok: (entries: object[]) => void) => ok(children.slice(at, (at += batch))) };
    },
  });
  const drop = (...entries: object[]) => ({ items: entries.map((entry) => ({ kind: "file", webkitGetAsEntry: () => entry, getAsFile: () => null })) }) as unknown as DataTransfer;

  it("is walked to the bottom, every batch of entries read, and its images listed in path order", async () => {
    const photos = dirEntry("/photos", [
      fileEntry("/photos/b.png"), fileEntry("/photos/notes.txt"),
      dirEntry("/photos/2024", [fileEntry("/photos/2024/x.jpg"), fileEntry("/photos/2024/a.webp"), fileEntry("/photos/2024/y.JPEG")]),
      fileEntry("/photos/a.png"), fileEntry("/photos/.DS_Store"),
    ]);
    const found = await filesOfDrop(drop(photos));
    expect(found.source).toBe("photos");
    expect(found.images.map((f) => f.path)).toEqual(["photos/2024/a.webp", "photos/2024/x.jpg", "photos/2024/y.JPEG", "photos/a.png", "photos/b.png"]);
    expect([found.notImages, found.overCap]).toEqual([2, 0]);
    expect(await (await found.images[3].blob()).text()).toBe("/photos/a.png");
  });

  it("names a drop of several folders by its file count", async () => {
    const found = await filesOfDrop(drop(dirEntry("/a", [fileEntry("/a/1.png")]), dirEntry("/b", [fileEntry("/b/2.png")])));
    expect([found.source, found.images.length]).toEqual(["2 files", 2]);
  });
});
