/**
 * Shapes3D (Burgess & Kim 2018, the 3dshapes.h5 file): an HDF5 file holding `images`
 * (480000, 64, 64, 3) uint8 and `labels` (480000, 6) float64, one image per combination of
 * floor hue, wall hue, object hue (10 each), scale (8), shape (4) and orientation (15), in C
 * order of those factors. Read through h5wasm in a worker thread and streamed (5.9 GB of
 * pixels as bytes, four times that as floats). The grid is read from the labels: the last
 * row holds each factor's largest value, so a file holding the first k values of each factor
 * in the same order (a test file, a subset) opens as well; a few rows' labels are checked
 * against the order on opening, and a file in another order is refused in one line.
 */
import { withFile } from "./file-access.ts";
import { DatasetFileError } from "./errors.ts";
import { type Factor, linspace } from "./factor-dataset.ts";
import { type Hdf5DatasetInfo, RowReader } from "./row-reader.ts";
import { StreamedFactorDataset } from "./streamed-factor-dataset.ts";
import { StreamedImages } from "./streamed-images.ts";
import type { RandomAccess } from "./zip.ts";

const hues = (name: string): Factor => ({ name, size: 10, values: linspace(0, 0.9, 10) });
/** Shapes3D's factors in the file's order, with the values its labels hold. */
export const SHAPES3D_FACTORS: readonly Factor[] = [
  hues("floor hue"), hues("wall hue"), hues("object hue"),
  { name: "scale", size: 8, values: linspace(0.75, 1.25, 8) },
  { name: "shape", size: 4, values: [0, 1, 2, 3] },
  { name: "orientation", size: 15, values: linspace(-30, 30, 15) },
];
const SIDE = 64;
/** Labels match a factor value within this (the file stores float64 values of the linspaces). */
const TOLERANCE = 1e-6;
/** Rows besides the first, the last and each factor's first step whose labels are checked on opening. */
const SPOT_CHECKS = 16;

export function openShapes3d(path: string, name = path): StreamedFactorDataset {
  withFile(path, (file) => checkLength(file, name));
  const reader = new RowReader({ kind: "hdf5", path }, name);
  try {
    const images = reader.datasets.images, labels = reader.datasets.labels;
    const holds = Object.keys(reader.datasets).join(", ") || "no datasets";
    const expected = "Shapes3D's .h5 holds images (N, 64, 64, 3) uint8 and labels (N, 6)";
    if (!images) throw new DatasetFileError(`${name} has no 'images' dataset (it holds ${holds}); ${expected}`);
    if (!labels) throw new DatasetFileError(`${name} has no 'labels' dataset (it holds ${holds}); ${expected}`);
    const count = images.shape[0];
    if (!isUint8(images) || images.shape.length !== 4 || images.shape[1] !== SIDE || images.shape[2] !== SIDE || images.shape[3] !== 3 || count < 1) {
      throw new DatasetFileError(`${name}: images is ${describe(images)}; ${expected}`);
    }
    if (labels.type !== 1 || (labels.size !== 8 && labels.size !== 4) || !labels.littleEndian || labels.shape.length !== 2 || labels.shape[0] !== count || labels.shape[1] !== 6) {
      throw new DatasetFileError(`${name}: labels is ${describe(labels)}, expected (${count}, 6) float for its ${count} images`);
    }
    const readLabels = labelReader(reader, labels.size);
    const last = readLabels([count - 1])[0];
    const factors = SHAPES3D_FACTORS.map((f, k) => {
      const top = f.values.findIndex((v) => Math.abs(v - last[k]) <= TOLERANCE);
      if (top < 0) throw new DatasetFileError(`${name}: the last row's ${f.name} label is ${last[k]}, not one of Shapes3D's values`);
      return { ...f, size: top + 1, values: f.values.slice(0, top + 1) };
    });
    const dataset = new StreamedFactorDataset("shapes3d", factors, sizedImages(reader, name, count, factors));
    checkOrder(dataset, readLabels, name);
    return dataset;
  } catch (err) {
    reader.close();
    throw err;
  }
}

/** Images for `factors`, or a one-line refusal when the file holds another number of them. */
function sizedImages(reader: RowReader, name: string, count: number, factors: readonly Factor[]): StreamedImages {
  const grid = factors.reduce((n, f) => n * f.size, 1);
  if (grid !== count) {
    throw new DatasetFileError(`${name} holds ${count} images, but its last labels give a grid of ${grid} (${factors.map((f) => f.size).join(" × ")}): not Shapes3D's layout`);
  }
  return new StreamedImages("shapes3d", SIDE, SIDE, 3, count, reader, "images");
}

/** The first and last rows, each factor's first step and a spread of others hold the labels of their place in the grid. */
function checkOrder(ds: StreamedFactorDataset, readLabels: (rows: number[]) => Float64Array[], name: string): void {
  const rows = new Set([0, ds.size - 1, ...ds.grid.bases.filter((b) => b < ds.size)]);
  for (let k = 1; k <= SPOT_CHECKS; k++) rows.add(Math.floor((k * ds.size) / (SPOT_CHECKS + 1)));
  const list = [...rows];
  const found = readLabels(list);
  list.forEach((row, i) => {
    const f = ds.indexToFactors(row);
    const want = ds.factors.map((factor, k) => factor.values[f[k]]);
    if (want.some((v, k) => Math.abs(v - found[i][k]) > TOLERANCE)) {
      throw new DatasetFileError(`${name}: row ${row}'s labels are [${Array.from(found[i]).join(", ")}], expected [${want.join(", ")}]: `
        + `the file is not ordered by ${ds.factors.map((x) => x.name).join(", ")} in C order`);
    }
  });
}

function labelReader(reader: RowReader, size: number): (rows: number[]) => Float64Array[] {
  return (rows) => {
    const bytes = reader.readSync("labels", rows, rows.length, 6 * size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return rows.map((_, r) => Float64Array.from({ length: 6 }, (_, k) => (size === 8 ? view.getFloat64((r * 6 + k) * 8, true) : view.getFloat32((r * 6 + k) * 4, true))));
  };
}

/**
 * A file shorter than the end address its superblock records is cut short (HDF5 itself would
 * only say that a name is not defined). The superblock starts at byte 0 (the format is
 * recognised by its signature there); its end-of-file address is at byte 40 (version 0, 1) or
 * 28 (version 2, 3), with the offset size at byte 13 or 9.
 */
function checkLength(file: RandomAccess, name: string): void {
  if (file.length < 48) throw new DatasetFileError(`${name} is truncated inside its HDF5 superblock`);
  const head = file.read(0, 48), version = head[8];
  const [at, offsetSize] = version <= 1 ? [40, head[13]] : [28, head[9]];
  if (offsetSize !== 8) return; // other offset sizes: left to HDF5
  const view = new DataView(head.buffer, head.byteOffset, 48);
  const end = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  if (file.length < end) throw new DatasetFileError(`${name} is truncated: it holds ${file.length} bytes, its HDF5 superblock says ${end}`);
}

const isUint8 = (d: Hdf5DatasetInfo) => d.type === 0 && d.size === 1 && !d.signed;

function describe(d: Hdf5DatasetInfo): string {
  const kind = d.type === 0 ? `${d.signed ? "int" : "uint"}${8 * d.size}` : d.type === 1 ? `float${8 * d.size}` : `HDF5 type class ${d.type}`;
  return `(${d.shape.join(", ")}) ${kind}`;
}
