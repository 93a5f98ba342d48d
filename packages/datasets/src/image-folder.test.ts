import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageCacheRecordPath, listImageFolder, openImageFolder, readRecord } from "./image-folder.ts";
import { parseNpyHeader } from "./npy.ts";
import { StreamedImages } from "./streamed-images.ts";

const tmp = mkdtempSync(join(tmpdir(), "image-folder-"));
/** Every source opened, closed at the end (each streams its cache through a reader thread). */
const opened: StreamedImages[] = [];
afterAll(() => {
  for (const s of opened) s.close();
  rmSync(tmp, { recursive: true, force: true });
});
const open = async (...args: Parameters<typeof openImageFolder>): Promise<StreamedImages> => {
  const source = await openImageFolder(...args);
  opened.push(source);
  return source;
};

type Rgba = [number, number, number, number];
const RED: Rgba = [255, 0, 0, 255], BLUE: Rgba = [0, 0, 255, 255], WHITE: Rgba = [255, 255, 255, 255], BLACK: Rgba = [0, 0, 0, 255];
const GREEN: Rgba = [0, 255, 0, 255], CLEAR: Rgba = [0, 0, 0, 0];

/** A width × height RGBA image whose pixel (x, y) is colour(x, y). */
function paint(width: number, height: number, colour: (x: number, y: number) => Rgba): ReturnType<typeof sharp> {
  const px = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(colour(x, y), (y * width + x) * 4);
  return sharp(px, { raw: { width, height, channels: 4 } });
}

/**
 * 120 × 80: a green band 20 pixels wide on either side (what the largest centred square cuts
 * away), and inside the 80 × 80 square four flat quadrants: red, blue / white, black.
 */
const quadrants = () => paint(120, 80, (x, y) => (x < 20 || x >= 100 ? GREEN : y < 40 ? (x < 60 ? RED : BLUE) : x < 60 ? WHITE : BLACK));

/** Writes the test folder: PNG, JPEG and WebP of mixed sizes, grey, RGB and RGBA, a corrupt file, a hidden file and a text file. */
async function writeFolder(dir: string): Promise<void> {
  mkdirSync(join(dir, "b", "deeper"), { recursive: true });
  await quadrants().png().toFile(join(dir, "a-quadrants.png"));
  // left half transparent, right half opaque red: transparency becomes white
  await paint(50, 50, (x) => (x < 25 ? CLEAR : RED)).png().toFile(join(dir, "b", "half-clear.png"));
  await paint(30, 90, () => [128, 128, 128, 255]).greyscale().jpeg({ quality: 95 }).toFile(join(dir, "b", "grey.JPG"));
  await paint(200, 150, (x) => (x < 100 ? BLUE : GREEN)).webp({ lossless: true }).toFile(join(dir, "b", "deeper", "wide.webp"));
  await paint(64, 64, () => WHITE).jpeg().toFile(join(dir, "c.jpeg"));
  writeFileSync(join(dir, "b", "broken.jpg"), Buffer.from("not a jpeg at all"));
  writeFileSync(join(dir, "notes.txt"), "not an image");
  // what macOS leaves beside a copied file: hidden, so not an image (chooseImages' rule, as on the page)
  writeFileSync(join(dir, "b", "._grey.JPG"), "an AppleDouble resource fork");
}

const ORDER = ["a-quadrants.png", "b/broken.jpg", "b/deeper/wide.webp", "b/grey.JPG", "b/half-clear.png", "c.jpeg"];

/** Pixel (x, y) of image `index` as bytes 0 … 255. */
function pixel(source: StreamedImages, index: number, x: number, y: number): number[] {
  const out = new Float32Array(source.imageSize);
  source.copyImage(index, out);
  const c = source.channels, at = (y * source.width + x) * c;
  return [...out.subarray(at, at + c)].map((v) => Math.round(v * 255));
}

function expectNear(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

describe("an image folder", () => {
  const dir = join(tmp, "photos");
  beforeAll(() => writeFolder(dir));

  it("lists its JPEG, PNG and WebP files recursively, in sorted path order, and nothing else (no hidden files)", async () => {
    const listing = await listImageFolder(dir);
    expect(listing.files.map((f) => f.path)).toEqual(ORDER);
    expect(listing.bytes).toBe(listing.files.reduce((a, f) => a + f.bytes, 0));
  });

  it("decodes each image cut to its centred square at 64 × 64, skipping and naming a corrupt file in one warning", async () => {
    const cache = join(tmp, "rgb.npy");
    const notes: string[] = [];
    const source = await open({ dir, channels: 3 }, cache, { onNote: (l) => notes.push(l) });
    expect(source).toBeInstanceOf(StreamedImages); // the cache is streamed from disk, not read whole
    expect([source.count, source.height, source.width, source.channels]).toEqual([5, 64, 64, 3]);
    expect(notes).toEqual([`warning: skipped 1 of 6 files in ${dir} that could not be decoded: b/broken.jpg (Input file contains unsupported image format)`]);
    // the quadrants, away from their edges (lanczos3 reaches about 4 pixels); no green band survives the crop
    expectNear(pixel(source, 0, 10, 10), [255, 0, 0], 1);
    expectNear(pixel(source, 0, 53, 10), [0, 0, 255], 1);
    expectNear(pixel(source, 0, 10, 53), [255, 255, 255], 1);
    expectNear(pixel(source, 0, 53, 53), [0, 0, 0], 1);
    expectNear(pixel(source, 0, 0, 0), [255, 0, 0], 1);
    expectNear(pixel(source, 0, 63, 63), [0, 0, 0], 1);
    // file order, less the corrupt one: the 200 × 150 WebP keeps its middle 150 columns (blue | green at 32)
    expectNear(pixel(source, 1, 5, 30), [0, 0, 255], 1);
    expectNear(pixel(source, 1, 58, 30), [0, 255, 0], 1);
    expectNear(pixel(source, 2, 32, 32), [128, 128, 128], 3); // the grey JPEG, as RGB
    expectNear(pixel(source, 3, 5, 32), [255, 255, 255], 1); // transparent → white
    expectNear(pixel(source, 3, 58, 32), [255, 0, 0], 1);
    expectNear(pixel(source, 4, 32, 32), [255, 255, 255], 2);
    // the cache is a standard uint8 .npy array of the kept images
    const header = parseNpyHeader(readFileSync(cache));
    expect(header).toMatchObject({ descr: "|u1", fortranOrder: false, shape: [5, 64, 64, 3] });
    expect(statSync(cache).size).toBe(header.dataOffset + 5 * 64 * 64 * 3);
    expect(await readRecord(cache)).toMatchObject({ dir, files: 6, images: 5, channels: 3, cropSide: null, kernel: "lanczos3", background: 255, skippedCount: 1 });
  });

  it("packs grey as the luma of the RGB pixels", async () => {
    const source = await open({ dir, channels: 1 }, join(tmp, "grey.npy"));
    expect(source.channels).toBe(1);
    expectNear(pixel(source, 0, 10, 10), [76], 1); // 0.299 · 255
    expectNear(pixel(source, 0, 53, 10), [29], 1); // 0.114 · 255
    expectNear(pixel(source, 3, 58, 32), [76], 1);
  });

  it("turns a photo upright by its EXIF orientation before it is cut", async () => {
    const upright = join(tmp, "upright");
    mkdirSync(upright);
    // stored 120 × 80, shown rotated 90° clockwise (orientation 6): 80 × 120, the bands above and below
    await quadrants().jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(join(upright, "turned.jpg"));
    const source = await open({ dir: upright, channels: 3 }, join(tmp, "upright.npy"));
    expectNear(pixel(source, 0, 10, 10), [255, 255, 255], 8);
    expectNear(pixel(source, 0, 53, 10), [255, 0, 0], 8);
    expectNear(pixel(source, 0, 10, 53), [0, 0, 0], 8);
    expectNear(pixel(source, 0, 53, 53), [0, 0, 255], 8);
  });

  it("cuts a given side: CelebA's 148 pixels of a 178 × 218 face", async () => {
    const celeba = join(tmp, "celeba");
    mkdirSync(celeba);
    // inside the centred 148-square (15 … 163 × 35 … 183) white, outside black
    await paint(178, 218, (x, y) => (x >= 15 && x < 163 && y >= 35 && y < 183 ? WHITE : BLACK)).jpeg({ quality: 100 }).toFile(join(celeba, "000001.jpg"));
    const source = await open({ dir: celeba, channels: 3, cropSide: 148 }, join(tmp, "celeba.npy"));
    for (const [x, y] of [[0, 0], [63, 0], [0, 63], [63, 63], [32, 32]]) expectNear(pixel(source, 0, x, y), [255, 255, 255], 4);
    const square = await open({ dir: celeba, channels: 3 }, join(tmp, "celeba-square.npy"));
    expectNear(pixel(square, 0, 32, 0), [0, 0, 0], 4); // the largest square (178) reaches the black band above
  });
});

describe("the image cache", () => {
  it("is read again without decoding, and rebuilt when the folder or a setting changes", async () => {
    const dir = join(tmp, "changing");
    mkdirSync(dir);
    await quadrants().png().toFile(join(dir, "1.png"));
    await quadrants().png().toFile(join(dir, "2.png"));
    const cache = join(tmp, "changing.npy");
    const decoded: number[] = [], notes: string[] = [];
    const hooks = { onProgress: (done: number) => decoded.push(done), onNote: (l: string) => notes.push(l) };
    expect((await open({ dir, channels: 3 }, cache, hooks)).count).toBe(2);
    expect(decoded).toEqual([1, 2]);
    const built = statSync(cache).mtimeMs;

    decoded.length = 0;
    expect((await open({ dir, channels: 3 }, cache, hooks)).count).toBe(2);
    expect(decoded).toEqual([]); // nothing decoded: the cache was read
    expect(statSync(cache).mtimeMs).toBe(built);
    expect(notes).toEqual([]);

    await quadrants().png().toFile(join(dir, "3.png")); // a file added
    expect((await open({ dir, channels: 3 }, cache, hooks)).count).toBe(3);
    expect(decoded).toEqual([1, 2, 3]);
    expect(notes).toEqual([`${cache} was built from 2 files in ${dir} (RGB, crop square); rebuilding it from 3 files in ${dir}`]);

    decoded.length = 0;
    utimesSync(join(dir, "1.png"), new Date(), new Date(Date.now() + 5000)); // a file touched
    await open({ dir, channels: 3 }, cache, hooks);
    expect(decoded).toEqual([1, 2, 3]);

    decoded.length = 0;
    expect((await open({ dir, channels: 1 }, cache, hooks)).channels).toBe(1); // another setting
    expect(decoded).toEqual([1, 2, 3]);
    decoded.length = 0;
    await open({ dir, channels: 1, cropSide: 40 }, cache, hooks);
    expect(decoded).toEqual([1, 2, 3]);

    decoded.length = 0;
    writeFileSync(imageCacheRecordPath(cache), "{"); // a broken record
    await open({ dir, channels: 1, cropSide: 40 }, cache, hooks);
    expect(decoded).toEqual([1, 2, 3]);
  });

  it("serves a folder that is gone from its cache, with a note", async () => {
    const dir = join(tmp, "gone");
    mkdirSync(dir);
    await quadrants().png().toFile(join(dir, "1.png"));
    const cache = join(tmp, "gone.npy");
    await open({ dir, channels: 3 }, cache);
    rmSync(dir, { recursive: true });
    const notes: string[] = [];
    expect((await open({ dir, channels: 3 }, cache, { onNote: (l) => notes.push(l) })).count).toBe(1);
    expect(notes).toEqual([`${dir} is gone; using the 1 images cached in ${cache}`]);
    await expect(openImageFolder({ dir, channels: 1 }, cache)).rejects.toThrow(`${dir} does not exist`);
  });

  it("leaves no file behind when it cannot be written", async () => {
    const dir = join(tmp, "unwritable-src");
    mkdirSync(dir);
    await quadrants().png().toFile(join(dir, "1.png"));
    await expect(openImageFolder({ dir, channels: 3 }, join(tmp, "no-such-dir", "c.npy"))).rejects.toThrow(`cannot write the image cache ${join(tmp, "no-such-dir", "c.npy")}: no such file or folder`);
  });
});

describe("bad folders", () => {
  it("refuse a missing folder, a file, and a folder without images, in one line each", async () => {
    await expect(listImageFolder(join(tmp, "nowhere"))).rejects.toThrow(`${join(tmp, "nowhere")} does not exist`);
    const file = join(tmp, "a-file.png");
    writeFileSync(file, "x");
    await expect(listImageFolder(file)).rejects.toThrow(`${file} is not a folder`);
    const empty = join(tmp, "empty");
    mkdirSync(join(empty, "sub"), { recursive: true });
    writeFileSync(join(empty, "sub", "readme.txt"), "no images");
    writeFileSync(join(empty, "data.csv"), "1,2");
    await expect(listImageFolder(empty)).rejects.toThrow(`${empty} holds no JPEG, PNG or WebP images`);
  });

  it("refuse a folder none of whose images decode, leaving no cache", async () => {
    const dir = join(tmp, "all-broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.jpg"), "garbage");
    writeFileSync(join(dir, "b.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])); // a truncated PNG
    const cache = join(tmp, "all-broken.npy");
    await expect(openImageFolder({ dir, channels: 3 }, cache)).rejects.toThrow(`${dir} holds no JPEG, PNG or WebP images that can be decoded: all 2 failed, e.g. a.jpg (`);
    expect(() => statSync(cache)).toThrow();
  });
});
