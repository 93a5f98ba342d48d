/**
 * Dataset files, told apart by what they hold rather than by a flag: each format recognises
 * its files from their first bytes (an .npz also by its entries) and opens them as an image
 * source. A new file dataset is one more entry in DATA_FILE_FORMATS. Large files are streamed:
 * only the dSprites .npz (26 MB, packed to bits in memory) is read whole.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { basename } from "node:path";
import { DatasetFileError } from "./errors.ts";
import type { ImageSource } from "./image-source.ts";
import { mpi3dImagesEntry, openMpi3d } from "./mpi3d.ts";
import { type DspritesNpz, type NpzLoadOptions, loadDspritesNpz } from "./npz-dsprites.ts";
import { npyHeaderSize, parseNpyHeader } from "./npy.ts";
import { imageArrayShape } from "./npy-images.ts";
import { RowReader } from "./row-reader.ts";
import { openShapes3d } from "./shapes3d.ts";
import { StreamedImages } from "./streamed-images.ts";
import { unreadable, withFile } from "./file-access.ts";
import { type ZipEntry, readZipDirectory } from "./zip.ts";

export interface DataFileFormat {
  /** What the format is, for messages: "the dSprites .npz". */
  readonly description: string;
  /** Whether the file at `path`, which starts with `head` (HEAD_BYTES bytes, fewer if shorter), is of this format. */
  recognises(head: Uint8Array, path: string): boolean;
  open(path: string): ImageSource;
}

/** Bytes of a file's start handed to recognises(). */
export const HEAD_BYTES = 512;

const startsWith = (head: Uint8Array, magic: readonly number[]) => magic.every((b, i) => head[i] === b);

const ZIP = [0x50, 0x4b, 0x03, 0x04];

export const DATA_FILE_FORMATS: readonly DataFileFormat[] = [
  {
    description: "the dSprites .npz (dsprites_ndarray_*.npz)",
    recognises: (head, path) => startsWith(head, ZIP) && !isMpi3d(path), // the dSprites loader says what another zip lacks
    open: (path) => loadDspritesNpzFile(path),
  },
  {
    description: "MPI3D's .npz (images (N, 64, 64, 3), stored)",
    recognises: (head, path) => startsWith(head, ZIP) && isMpi3d(path),
    open: (path) => openMpi3d(path),
  },
  {
    description: "Shapes3D's .h5 (3dshapes.h5)",
    recognises: (head) => startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), // \x89HDF\r\n\x1a\n
    open: (path) => openShapes3d(path),
  },
  {
    description: "a uint8 .npy image array (N, H, W[, C])",
    recognises: (head) => startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]), // \x93NUMPY
    open: (path) => openNpyImagesFile(path),
  },
];

/** Opens the dataset file at `path` with the first format that recognises it; anything else is a one-line DatasetFileError. */
export function openDataFile(path: string): ImageSource {
  const head = new Uint8Array(HEAD_BYTES);
  let length: number;
  try {
    const fd = openSync(path, "r");
    try {
      length = readSync(fd, head, 0, HEAD_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw unreadable(path, err);
  }
  const format = DATA_FILE_FORMATS.find((f) => f.recognises(head.subarray(0, length), path));
  if (!format) throw new DatasetFileError(`${path} is not a dataset file this version reads (it reads ${DATA_FILE_FORMATS.map((f) => f.description).join("; ")})`);
  return format.open(path);
}

/** Reads and parses the original dSprites .npz from disk. */
export function loadDspritesNpzFile(path: string, options: Omit<NpzLoadOptions, "name"> = {}): DspritesNpz {
  return loadDspritesNpz(readDataFile(path), { ...options, name: path });
}

/** A uint8 .npy image array on disk, streamed: its header is read now, its images as batches ask for them. */
export function openNpyImagesFile(path: string, name = basename(path)): StreamedImages {
  const { count, height, width, channels, offset } = withFile(path, (file) => {
    const prefix = file.read(0, Math.min(file.length, 12)).slice();
    const size = npyHeaderSize(prefix, name);
    if (size === undefined || size > file.length) throw new DatasetFileError(`${name} is truncated inside its .npy header`);
    const h = parseNpyHeader(file.read(0, size).slice(), name);
    return { ...imageArrayShape(h, file.length - h.dataOffset, name), offset: h.dataOffset };
  });
  return new StreamedImages(name, height, width, channels, count, new RowReader({ kind: "file", path, offset }, name));
}

/** Whether the zip archive at `path` has a readable directory holding MPI3D's images. */
function isMpi3d(path: string): boolean {
  let entries: ZipEntry[];
  try {
    entries = withFile(path, (file) => readZipDirectory(file, path));
  } catch {
    return false;
  }
  return mpi3dImagesEntry(entries) !== undefined;
}

/** The whole file, or a one-line DatasetFileError saying why not. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}
