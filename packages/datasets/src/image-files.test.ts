import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { chooseImages, isImagePath, zipImages } from "./image-files.ts";
import { readZipEntry } from "./zip.ts";

describe("which files are images", () => {
  it("goes by the name's ending in any case, and leaves out hidden files and macOS resource forks", () => {
    for (const p of ["a.jpg", "b.JPEG", "dir/c.png", "d/e/f.WebP", "x.y.jpg"]) expect(isImagePath(p)).toBe(true);
    for (const p of ["notes.txt", "a.gif", "png", ".jpg", "dir/.hidden.png", ".cache/a.png", "__MACOSX/a/._b.jpg", "a.jpg/", "a.jpgx"]) expect(isImagePath(p)).toBe(false);
  });

  it("sorts by path in code-unit order, caps the count, and counts what it left out", () => {
    const files = ["b/2.png", "notes.txt", "a.jpg", "B.png", "b/10.png", "é.png", "c.webp"];
    expect(chooseImages(files, (f) => f)).toEqual({ images: ["B.png", "a.jpg", "b/10.png", "b/2.png", "c.webp", "é.png"], overCap: 0, notImages: 1 });
    expect(chooseImages(files, (f) => f, 2)).toEqual({ images: ["B.png", "a.jpg"], overCap: 4, notImages: 1 });
    expect(() => chooseImages(files, (f) => f, 0)).toThrow("the image cap must be at least 1, got 0");
  });
});

describe("a zip of images", () => {
  const png = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
  const jpg = new Uint8Array(500).fill(9); // compresses well: stored deflated
  const zip = zipSync({
    "faces/": [new Uint8Array(0), { level: 0 }],
    "faces/b.jpg": [jpg, { level: 6 }],
    "faces/a.png": [png, { level: 0 }],
    "faces/readme.md": [new TextEncoder().encode("hi"), { level: 6 }],
    "__MACOSX/faces/._a.png": [new Uint8Array(10), { level: 0 }],
  });

  it("lists its image entries in path order, leaving out folders and other files, and reads stored and deflated entries whole", () => {
    const { images, overCap, notImages } = zipImages(zip, "faces.zip");
    expect(images.map((e) => [e.name, e.method])).toEqual([["faces/a.png", 0], ["faces/b.jpg", 8]]);
    expect([overCap, notImages]).toEqual([0, 2]);
    expect(readZipEntry(zip, images[0], "faces.zip")).toEqual(png);
    expect(readZipEntry(zip, images[1], "faces.zip")).toEqual(jpg);
    expect(zipImages(zip, "faces.zip", 1).overCap).toBe(1);
  });

  it("refuses a file that is not a zip, and a corrupt entry, in one line", () => {
    expect(() => zipImages(new TextEncoder().encode("not a zip at all, just some text"), "notes.zip")).toThrow(/^notes\.zip is not a readable zip file: no end-of-central-directory record/);
    const corrupt = zip.slice();
    const entry = zipImages(corrupt, "faces.zip").images[0];
    corrupt[entry.dataOffset + 5] ^= 0xff;
    expect(() => readZipEntry(corrupt, entry, "faces.zip")).toThrow("faces.zip: faces/a.png is corrupt (CRC-32 mismatch)");
  });
});
