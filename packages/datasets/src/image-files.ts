// Which files of a folder or a zip are images to train on, and in what order: one rule for
// every front end, so the same folder gives the same image list (and, with a seed, the same
// batches) wherever it is read.
import { type ZipEntry, readZipDirectory } from "./zip.ts";

/** File name endings of the images the loaders decode (JPEG, PNG, WebP), lower case. */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"] as const;

/**
 * Whether `path` (a relative path, `/`-separated) names an image: by its ending, in any case.
 * Hidden files and folders (a name starting with ".", such as macOS's "._photo.jpg" resource
 * forks) and anything under "__MACOSX/" are not images.
 */
export function isImagePath(path: string): boolean {
  const parts = path.split("/");
  if (parts.some((p) => p.startsWith(".")) || parts[0] === "__MACOSX") return false;
  const name = parts[parts.length - 1].toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => name.endsWith(ext) && name.length > ext.length);
}

export interface ImageChoice<T> {
  /** the images used, in path order */
  images: T[];
  /** image files left out past the cap */
  overCap: number;
  /** files that are not images (directories not counted) */
  notImages: number;
}

/**
 * The images among `files`, sorted by path (UTF-16 code units, so the order is the same on
 * every system), at most `cap` of them: the first `cap` in that order.
 */
export function chooseImages<T>(files: readonly T[], pathOf: (file: T) => string, cap = Infinity): ImageChoice<T> {
  if (!(cap >= 1)) throw new RangeError(`the image cap must be at least 1, got ${cap}`);
  const images = files.filter((f) => isImagePath(pathOf(f)));
  images.sort((a, b) => {
    const pa = pathOf(a), pb = pathOf(b);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  const kept = images.slice(0, cap);
  return { images: kept, overCap: images.length - kept.length, notImages: files.length - images.length };
}

/** A zip's images: chosen as `chooseImages` does; directory entries are not counted as files. */
export function zipImages(zip: Uint8Array, what: string, cap = Infinity): ImageChoice<ZipEntry> {
  const files = readZipDirectory(zip, what, "zip").filter((e) => !e.name.endsWith("/"));
  return chooseImages(files, (e) => e.name, cap);
}
