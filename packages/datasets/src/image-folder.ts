// A folder of photographs (CelebA, 3D Chairs, anyone's own) as an image source. Every image
// under the folder (chosen and ordered by image-files.ts, as on the web page) is decoded once
// with sharp, cut with centreCrop, resized to the model's square and packed into a uint8 .npy
// cache (N, S, S, C), which is then streamed from disk like any other .npy image array (never
// read whole). A record beside the cache names the folder's state and the decoding settings,
// so a changed folder or setting rebuilds the cache rather than training on stale pixels.
// Node only.
import { BURGESS_CONFIG } from "@betavae/core";
import { createHash } from "node:crypto";
import { open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { Sharp, SharpOptions } from "sharp";
import { openNpyImagesFile } from "./data-files.ts";
import { DatasetFileError } from "./errors.ts";
import { centreCrop } from "./image-crop.ts";
import { chooseImages } from "./image-files.ts";
import { TRANSPARENT_BACKGROUND, packPixels } from "./image-pixels.ts";
import { npyHeader } from "./npy.ts";
import type { StreamedImages } from "./streamed-images.ts";

/** The side of the square every image is resized to: the model's 64 × 64 input (as on the web page). */
export const FOLDER_IMAGE_SIDE = BURGESS_CONFIG.height;

/**
 * The resampling filter of the resize: sharp's lanczos3 (a 6-tap windowed sinc), applied to
 * the whole crop (no shrink-on-load), so the pixels do not depend on a file's JPEG scaling.
 */
export const RESIZE_KERNEL = "lanczos3";

/** sharp, loaded on first use: libvips is native code that a run on other data never needs. */
let sharpModule: Promise<typeof import("sharp")> | undefined;
async function sharpOf(input: string, options?: SharpOptions): Promise<Sharp> {
  const sharp = (await (sharpModule ??= import("sharp"))).default;
  return sharp(input, options);
}

/** Files decoded at once: enough to keep sharp's threads busy, few enough that memory stays flat. */
async function decodesInFlight(): Promise<number> {
  const sharp = (await (sharpModule ??= import("sharp"))).default;
  return Math.max(4, 2 * sharp.concurrency());
}

/** How a folder is decoded. */
export interface ImageFolderSettings {
  /** the folder, read recursively */
  dir: string;
  /** 3: RGB; 1: grey (packPixels's luma) */
  channels: 1 | 3;
  /** the side of the centred square cut from each image; undefined: the largest one */
  cropSide?: number;
}

/** One image file: its path relative to the folder ('/'-separated), size and modification time. */
export interface FolderFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** A folder's image files in sorted path order, with a digest of their paths, sizes and times. */
export interface FolderListing {
  dir: string;
  files: FolderFile[];
  bytes: number;
  digest: string;
}

/** What the record beside a cache holds: where its images came from and how they were decoded. */
export interface ImageCacheRecord {
  format: "betavae-image-cache";
  version: 1;
  dir: string;
  files: number;
  bytes: number;
  digest: string;
  cropSide: number | null;
  channels: 1 | 3;
  side: number;
  kernel: string;
  background: number;
  /** images in the cache: the files less those that could not be decoded */
  images: number;
  /** the files that could not be decoded, with why (the first MAX_NAMED_SKIPS) */
  skipped: string[];
  skippedCount: number;
}

export interface ImageFolderHooks {
  /** Called as images are decoded (done of total), and once more at the end. */
  onProgress?(done: number, total: number): void;
  /** One line each: skipped files, a cache rebuilt, a folder gone but its cache kept. */
  onNote?(line: string): void;
}

/** Skipped files named in a warning and kept in the record; the rest are counted. */
const MAX_NAMED_SKIPS = 5;
const RECORD_VERSION = 1;

/** The cache file a run keeps beside itself for images of this shape. */
export function imageCacheName(channels: 1 | 3, side = FOLDER_IMAGE_SIDE): string {
  return `images-${side}x${side}x${channels}.npy`;
}

/** The record written beside `cache`. */
export const imageCacheRecordPath = (cache: string): string => `${cache}.json`;

/**
 * The image files under `dir`, recursively, as chooseImages picks and orders them (by
 * '/'-separated relative path; hidden files left out). A missing folder, a file given
 * as a folder and a folder without images are one-line DatasetFileErrors.
 */
export async function listImageFolder(dir: string): Promise<FolderListing> {
  const root = resolve(dir);
  try {
    if (!(await stat(root)).isDirectory()) throw new DatasetFileError(`${dir} is not a folder`);
  } catch (err) {
    if (err instanceof DatasetFileError) throw err;
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new DatasetFileError(missing ? `${dir} does not exist` : `cannot read the folder ${dir}: ${fsReason(err)}`, { cause: err });
  }
  const paths: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      throw new DatasetFileError(`cannot read the folder ${folder}: ${fsReason(err)}`, { cause: err });
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || entry.isSymbolicLink()) paths.push(relative(root, path).split(sep).join("/"));
    }
  };
  await walk(root);
  const { images } = chooseImages(paths, (path) => path);
  if (images.length === 0) throw new DatasetFileError(`${dir} holds no JPEG, PNG or WebP images`);
  const files: FolderFile[] = [];
  const hash = createHash("sha256");
  let bytes = 0;
  for (const path of images) {
    const s = await stat(join(root, path)).catch((err: unknown) => {
      throw new DatasetFileError(`cannot read ${join(dir, path)}: ${fsReason(err)}`, { cause: err });
    });
    files.push({ path, bytes: s.size, mtimeMs: s.mtimeMs });
    hash.update(`${path}\t${s.size}\t${s.mtimeMs}\n`);
    bytes += s.size;
  }
  return { dir: root, files, bytes, digest: hash.digest("hex") };
}

/**
 * The images of a folder as an image source, read from the cache at `cache` when its record
 * matches the folder and settings, otherwise decoded into it first. A folder that is gone
 * while a cache built from it remains trains on the cache, with a note.
 */
export async function openImageFolder(settings: ImageFolderSettings, cache: string, hooks: ImageFolderHooks = {}, listing?: FolderListing): Promise<StreamedImages> {
  const found = listing ?? await listImageFolder(settings.dir).catch(async (err: unknown) => {
    const record = await readRecord(cache);
    const gone = (err as { cause?: NodeJS.ErrnoException }).cause?.code === "ENOENT";
    if (gone && record && sameSettings(record, settings) && (await cacheIsWhole(cache, record))) return null;
    throw err;
  });
  if (found === null) {
    hooks.onNote?.(`${settings.dir} is gone; using the ${(await readRecord(cache))!.images} images cached in ${cache}`);
    return openNpyImagesFile(cache);
  }
  const record = await readRecord(cache);
  if (record && sameSettings(record, settings) && record.digest === found.digest && (await cacheIsWhole(cache, record))) {
    noteSkipped(record, hooks);
    return openNpyImagesFile(cache);
  }
  if (record) hooks.onNote?.(`${cache} was built from ${describeSource(record)}; rebuilding it from ${found.files.length} files in ${settings.dir}`);
  const built = await buildImageCache(found, settings, cache, hooks);
  noteSkipped(built, hooks);
  return openNpyImagesFile(cache);
}

/**
 * Decodes every file of `listing` into a new cache at `cache` (and its record), through
 * temporary files renamed into place: at most a bounded number of files are decoded at once
 * and each image is written as it arrives, so memory does not grow with the folder. A file
 * that cannot be decoded is skipped and named in the record; a folder of which none can be is
 * a DatasetFileError.
 */
export async function buildImageCache(listing: FolderListing, settings: ImageFolderSettings, cache: string, hooks: ImageFolderHooks = {}): Promise<ImageCacheRecord> {
  const side = FOLDER_IMAGE_SIDE, channels = settings.channels;
  const imageBytes = side * side * channels;
  const total = listing.files.length;
  const headerLength = npyHeader("|u1", [total, side, side, channels]).length;
  const tmp = join(dirname(cache), `.${basename(cache)}.${process.pid}.tmp`);
  const recordTmp = join(dirname(cache), `.${basename(imageCacheRecordPath(cache))}.${process.pid}.tmp`);
  let file;
  try {
    file = await open(tmp, "w");
  } catch (err) {
    throw new DatasetFileError(`cannot write the image cache ${cache}: ${fsReason(err)}`, { cause: err });
  }
  const skipped: string[] = [];
  let skippedCount = 0, images = 0;
  try {
    // Decodes run ahead of the writer by at most `inFlight` files; images are written in file order.
    const inFlight = await decodesInFlight();
    const pending: Promise<Uint8Array | Error>[] = [];
    let started = 0;
    const start = () => {
      const i = started++;
      pending[i] = decodeImage(join(listing.dir, listing.files[i].path), settings).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    };
    while (started < Math.min(total, inFlight)) start();
    const progressEvery = Math.max(1, Math.floor(total / 100));
    for (let i = 0; i < total; i++) {
      const result = await pending[i];
      delete pending[i];
      if (started < total) start();
      if (result instanceof Error) {
        if (skipped.length < MAX_NAMED_SKIPS) skipped.push(`${listing.files[i].path} (${firstLine(result.message)})`);
        skippedCount++;
      } else {
        await file.write(result, 0, imageBytes, headerLength + images * imageBytes);
        images++;
      }
      if ((i + 1) % progressEvery === 0 || i + 1 === total) hooks.onProgress?.(i + 1, total);
    }
    if (images === 0) {
      throw new DatasetFileError(`${settings.dir} holds no JPEG, PNG or WebP images that can be decoded: all ${total} failed, e.g. ${skipped[0]}`);
    }
    await file.write(npyHeader("|u1", [images, side, side, channels], headerLength), 0, headerLength, 0);
    await file.truncate(headerLength + images * imageBytes);
    await file.close();
    file = null;
    const record: ImageCacheRecord = {
      format: "betavae-image-cache", version: RECORD_VERSION, dir: listing.dir, files: total, bytes: listing.bytes, digest: listing.digest,
      cropSide: settings.cropSide ?? null, channels, side, kernel: RESIZE_KERNEL, background: TRANSPARENT_BACKGROUND, images, skipped, skippedCount,
    };
    await writeFile(recordTmp, JSON.stringify(record, null, 2) + "\n");
    // The old record goes first: a crash between the renames leaves a cache without a record, which is rebuilt.
    await unlink(imageCacheRecordPath(cache)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await rename(tmp, cache);
    await rename(recordTmp, imageCacheRecordPath(cache));
    return record;
  } catch (err) {
    await file?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    await unlink(recordTmp).catch(() => undefined);
    if (err instanceof DatasetFileError) throw err;
    throw new DatasetFileError(`cannot write the image cache ${cache}: ${fsReason(err)}`, { cause: err });
  }
}

/**
 * One image file as FOLDER_IMAGE_SIDE² × channels bytes: turned upright by its EXIF
 * orientation, laid on TRANSPARENT_BACKGROUND, cut with centreCrop, resized with
 * RESIZE_KERNEL, and packed by packPixels.
 */
export async function decodeImage(path: string, settings: Pick<ImageFolderSettings, "channels" | "cropSide">): Promise<Uint8Array> {
  const meta = await (await sharpOf(path)).metadata();
  const { width, height } = meta.autoOrient;
  const crop = centreCrop(width, height, settings.cropSide);
  const side = FOLDER_IMAGE_SIDE;
  const { data, info } = await (await sharpOf(path))
    .autoOrient()
    .extract(crop)
    .flatten({ background: { r: TRANSPARENT_BACKGROUND, g: TRANSPARENT_BACKGROUND, b: TRANSPARENT_BACKGROUND } })
    .resize(side, side, { kernel: RESIZE_KERNEL, fastShrinkOnLoad: false })
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== side || info.height !== side || info.channels !== 3) throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${side}×${side}×3`);
  const out = new Uint8Array(side * side * settings.channels);
  packPixels(data, 3, settings.channels, out);
  return out;
}

/** The record beside `cache`, or null when there is none or it is not one this version wrote. */
export async function readRecord(cache: string): Promise<ImageCacheRecord | null> {
  try {
    const record = JSON.parse(await readFile(imageCacheRecordPath(cache), "utf8")) as ImageCacheRecord;
    return record.format === "betavae-image-cache" && record.version === RECORD_VERSION ? record : null;
  } catch {
    return null;
  }
}

function sameSettings(record: ImageCacheRecord, settings: ImageFolderSettings): boolean {
  return record.dir === resolve(settings.dir) && record.channels === settings.channels && record.cropSide === (settings.cropSide ?? null)
    && record.side === FOLDER_IMAGE_SIDE && record.kernel === RESIZE_KERNEL && record.background === TRANSPARENT_BACKGROUND;
}

/** Whether the cache file has exactly the size its record's images need. */
async function cacheIsWhole(cache: string, record: ImageCacheRecord): Promise<boolean> {
  const imageBytes = record.side * record.side * record.channels;
  const header = npyHeader("|u1", [record.files, record.side, record.side, record.channels]).length;
  const size = await stat(cache).then((s) => s.size, () => -1);
  return size === header + record.images * imageBytes;
}

function describeSource(record: ImageCacheRecord): string {
  return `${record.files} files in ${record.dir} (${record.channels === 3 ? "RGB" : "grey"}, crop ${record.cropSide ?? "square"})`;
}

function noteSkipped(record: ImageCacheRecord, hooks: ImageFolderHooks): void {
  if (record.skippedCount === 0) return;
  const more = record.skippedCount - record.skipped.length;
  hooks.onNote?.(`warning: skipped ${record.skippedCount} of ${record.files} files in ${record.dir} that could not be decoded: ${record.skipped.join(", ")}${more > 0 ? ` and ${more} more` : ""}`);
}

const firstLine = (s: string) => s.split("\n")[0].trim();

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file or folder" : code === "EACCES" ? "permission denied" : code === "ENOTDIR" ? "not a folder" : firstLine(String((err as Error).message ?? err));
}
