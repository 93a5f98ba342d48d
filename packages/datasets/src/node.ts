/** Node-only helpers (file system): import from "@betavae/datasets/node". */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { DatasetRef } from "./checkpoint-dataset.ts";
import type { Dataset } from "./dataset.ts";
import { DatasetFileError } from "./errors.ts";
import { createDataset } from "./index.ts";
import { type DspritesNpz, type NpzLoadOptions, loadDspritesNpz } from "./npz-dsprites.ts";
import { type GridOptions, type RasterImage, encodePng, imageGrid } from "./png.ts";

/** Reads and parses the original dSprites .npz from disk. */
export function loadDspritesNpzFile(path: string, options: Omit<NpzLoadOptions, "name"> = {}): DspritesNpz {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String(err);
    throw new DatasetFileError(`cannot read ${path}: ${why}`, { cause: err });
  }
  return loadDspritesNpz(bytes, { ...options, name: path });
}

/** The dataset `ref` names: the original dSprites .npz when it gives a file, else the named generator. */
export function openDataset(ref: DatasetRef): Dataset {
  return ref.dataFile ? loadDspritesNpzFile(ref.dataFile) : createDataset(ref.name);
}

/** Writes an 8-bit image as a PNG file (through a temporary file, so a crash leaves no half file). */
export function writePng(path: string, image: RasterImage): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodePng(image));
  renameSync(tmp, path);
}

/** Lays out float images in a grid and writes it as a PNG. */
export function writeImageGridPng(path: string, images: Float32Array, options: GridOptions): void {
  writePng(path, imageGrid(images, options));
}
