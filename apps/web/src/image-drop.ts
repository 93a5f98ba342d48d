// Images dropped on the page (a folder, some files, or one .zip), decoded in the browser into
// the bytes of an ImageSet: each cut to a centred square by the datasets package's rule (the
// CLI's too), scaled to the model's 64 × 64 by the canvas, RGB or grey. Which files count as
// images, their order and the zip reading are the datasets package's; only the browser's
// pieces (walking dropped folders, decoding, the canvas) are here.
import { BURGESS_CONFIG } from "@betavae/core";
import { type ImageChoice, TRANSPARENT_BACKGROUND, type ZipEntry, centreCrop, chooseImages, packPixels, readZipEntry, zipImages } from "@betavae/datasets";

/** The side of the square images the page trains on (the model's input). */
export const IMAGE_SIDE = BURGESS_CONFIG.height;
/** At most this many images are decoded (the first in path order): 20,000 RGB images are 246 MB in memory. */
export const MAX_IMAGES = 20_000;
/** Names of unreadable files listed in the message; the rest are counted. */
const NAMED_UNREADABLE = 10;
/** Images decoding at once (createImageBitmap decodes off the main thread). */
const DECODING_AT_ONCE = 8;
/** The canvas is filled with this before an image is drawn, so transparency lands on the CLI's background. */
const BACKGROUND_STYLE = `rgb(${TRANSPARENT_BACKGROUND}, ${TRANSPARENT_BACKGROUND}, ${TRANSPARENT_BACKGROUND})`;

export interface ImageOptions {
  channels: 1 | 3;
  /** the crop's side in source pixels (CelebA's 148), or undefined for the largest centred square */
  cropSide?: number;
}

/** A file found in a drop: its path (relative, `/`-separated) and its bytes when asked. */
export interface FoundFile {
  path: string;
  blob(): Promise<Blob>;
}

/** What a drop held: its name for messages, and its images (chosen, sorted and capped). */
export interface FoundImages extends ImageChoice<FoundFile> {
  source: string;
}

export interface DecodedImages {
  /** count · 64 · 64 · channels bytes, HWC, image after image */
  pixels: Uint8Array;
  count: number;
  /** paths of the images that could not be decoded */
  unreadable: string[];
}

/** Where a `width` × `height` image is cut (source pixels) before it is scaled to `side` × `side`. */
export function cutPlan(width: number, height: number, side: number, cropSide?: number): { sx: number; sy: number; sw: number; sh: number; side: number } {
  const crop = centreCrop(width, height, cropSide);
  return { sx: crop.left, sy: crop.top, sw: crop.width, sh: crop.height, side };
}

/** The one line the page shows for a decoded drop. */
export function describeImages(found: FoundImages, decoded: DecodedImages, options: ImageOptions): string {
  const what = `${decoded.count} image${decoded.count === 1 ? "" : "s"} from ${found.source}, ${IMAGE_SIDE}×${IMAGE_SIDE} ${options.channels === 3 ? "RGB" : "grey"}`
    + `, ${options.cropSide ? `centred ${options.cropSide}-pixel crop` : "largest centred square"}`;
  const notes: string[] = [];
  if (found.overCap) notes.push(`the first ${MAX_IMAGES} of ${MAX_IMAGES + found.overCap} (the page holds at most ${MAX_IMAGES})`);
  if (decoded.unreadable.length) notes.push(`${decoded.unreadable.length} unreadable: ${nameSome(decoded.unreadable)}`);
  if (found.notImages) notes.push(`${found.notImages} file${found.notImages === 1 ? "" : "s"} that ${found.notImages === 1 ? "is" : "are"} not JPEG, PNG or WebP left out`);
  return [what, ...notes].join(" · ");
}

/** Why a drop gives nothing to train on, or null when it does. */
export function nothingToTrainOn(found: FoundImages, decoded?: DecodedImages): string | null {
  if (!found.images.length) return `${found.source} holds no JPEG, PNG or WebP images`;
  if (decoded && !decoded.count) return `none of the ${found.images.length} images in ${found.source} could be read: ${nameSome(decoded.unreadable)}`;
  return null;
}

function nameSome(names: string[]): string {
  const shown = names.slice(0, NAMED_UNREADABLE).join(", ");
  return names.length > NAMED_UNREADABLE ? `${shown} and ${names.length - NAMED_UNREADABLE} more` : shown;
}

// ---------- the browser: gathering files ----------

/**
 * The files of a drop, folders walked recursively. Reads the DataTransfer at once, as it must
 * be read while its drop event runs; the folders are walked afterwards.
 */
export function filesOfDrop(data: DataTransfer): Promise<FoundImages> {
  const walks: Promise<FoundFile[]>[] = [];
  const names: string[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry();
    if (entry?.isDirectory) {
      walks.push(walk(entry as FileSystemDirectoryEntry));
      names.push(entry.name);
      continue;
    }
    const file = item.getAsFile();
    if (file) {
      walks.push(Promise.resolve([fileOf(file, file.name)]));
      names.push(file.name);
    }
  }
  return Promise.all(walks).then((lists) => findImages(lists.flat(), names));
}

/** The files picked with a file input (a folder's, under their relative paths, or one .zip). */
export function filesOfInput(files: FileList): Promise<FoundImages> {
  const list = Array.from(files, (f) => fileOf(f, f.webkitRelativePath || f.name));
  return findImages(list, [...new Set(list.map((f) => f.path.split("/")[0]))]);
}

/** A single .zip is read as one; anything else is a set of files. */
async function findImages(files: FoundFile[], names: string[]): Promise<FoundImages> {
  const source = names.length === 1 ? names[0] : `${files.length} files`;
  if (files.length === 1 && files[0].path.toLowerCase().endsWith(".zip")) return imagesOfZip(files[0], source);
  return { source, ...chooseImages(files, (f) => f.path, MAX_IMAGES) };
}

async function imagesOfZip(file: FoundFile, source: string): Promise<FoundImages> {
  const zip = new Uint8Array(await (await file.blob()).arrayBuffer());
  const choice = zipImages(zip, source, MAX_IMAGES);
  const images = choice.images.map((entry: ZipEntry) => ({ path: entry.name, blob: async () => new Blob([readZipEntry(zip, entry, source) as Uint8Array<ArrayBuffer>]) }));
  return { ...choice, source, images };
}

function fileOf(file: File, path: string): FoundFile {
  return { path, blob: () => Promise.resolve(file) };
}

/** Every file under `dir`, with paths from the dropped folder's name down. */
async function walk(dir: FileSystemDirectoryEntry): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const reader = dir.createReader();
  // readEntries hands out a directory's entries in batches until it returns none
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const entry of batch) {
      if (entry.isDirectory) found.push(...(await walk(entry as FileSystemDirectoryEntry)));
      else {
        const fileEntry = entry as FileSystemFileEntry;
        found.push({ path: entry.fullPath.replace(/^\//, ""), blob: () => new Promise<File>((resolve, reject) => fileEntry.file(resolve, reject)) });
      }
    }
  }
  return found;
}

// ---------- the browser: decoding ----------

/**
 * Decodes `files` into one buffer, in their order, skipping (and naming) any that do not
 * decode. createImageBitmap turns a photo upright by its EXIF orientation ("from-image", as
 * sharp's autoOrient in the CLI) and transparency is laid on TRANSPARENT_BACKGROUND.
 */
export async function decodeImages(files: FoundFile[], options: ImageOptions, onProgress: (done: number, total: number) => void): Promise<DecodedImages> {
  const imageSize = IMAGE_SIDE * IMAGE_SIDE * options.channels;
  const pixels = new Uint8Array(files.length * imageSize);
  const canvas = new OffscreenCanvas(IMAGE_SIDE, IMAGE_SIDE);
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  const unreadable: string[] = [];
  let count = 0;
  const open = (file: FoundFile) => file.blob().then((blob) => createImageBitmap(blob, { imageOrientation: "from-image" })).catch(() => null);
  const pending = files.slice(0, DECODING_AT_ONCE).map(open);
  for (let i = 0; i < files.length; i++) {
    const bitmap = await pending[i];
    if (i + DECODING_AT_ONCE < files.length) pending.push(open(files[i + DECODING_AT_ONCE]));
    delete pending[i]; // lets the bitmap go once drawn
    if (!bitmap) {
      unreadable.push(files[i].path);
    } else {
      const { sx, sy, sw, sh, side } = cutPlan(bitmap.width, bitmap.height, IMAGE_SIDE, options.cropSide);
      context.fillStyle = BACKGROUND_STYLE;
      context.fillRect(0, 0, side, side);
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, sx, sy, sw, sh, 0, 0, side, side);
      bitmap.close();
      packPixels(context.getImageData(0, 0, side, side).data, 4, options.channels, pixels, count * imageSize);
      count++;
    }
    onProgress(i + 1, files.length);
  }
  return { pixels: count === files.length ? pixels : pixels.slice(0, count * imageSize), count, unreadable };
}
