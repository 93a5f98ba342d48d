/**
 * Dataset files, told apart by what they hold rather than by a flag: each format recognises
 * its files from their first bytes and opens them as an image source. A new file dataset is
 * one more entry in DATA_FILE_FORMATS (a format may read further into the file to tell, as a
 * second .npz kind will have to look at the archive's entries).
 */
import { openSync, readFileSync, readSync, closeSync } from "node:fs";
import { basename } from "node:path";
import { DatasetFileError } from "./errors.ts";
import type { ImageSource } from "./image-source.ts";
import { type DspritesNpz, type NpzLoadOptions, loadDspritesNpz } from "./npz-dsprites.ts";
import { loadNpyImages } from "./npy-images.ts";

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

export const DATA_FILE_FORMATS: readonly DataFileFormat[] = [
  {
    description: "the dSprites .npz (dsprites_ndarray_*.npz)",
    recognises: (head) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]), // a zip archive: the only .npz read so far
    open: (path) => loadDspritesNpzFile(path),
  },
  {
    description: "a uint8 .npy image array (N, H, W[, C])",
    recognises: (head) => startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]), // \x93NUMPY
    open: (path) => loadNpyImages(readDataFile(path), basename(path)),
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

/** The whole file, or a one-line DatasetFileError saying why not. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): DatasetFileError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String(err);
  return new DatasetFileError(`cannot read ${path}: ${why}`, { cause: err });
}
