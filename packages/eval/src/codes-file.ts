// A representation made anywhere, as (code, factor) pairs in an .npz: `codes` (N × D, float32
// or float64) and `factors` (N × K, non-negative integers, any integer or float dtype). Rows are
// split in order, the first ⌊2N/3⌋ to fit, the rest to test (splitRows). Every way the file can
// be wrong is a DatasetFileError of one line naming the file.
import { DatasetFileError, type ZipEntry, npzArrayEntry, parseNpyHeader, readZipDirectory, readZipEntry } from "@betavae/datasets";
import { type CodeFactorSplit, splitRows } from "./code-factor-metric";

/** The typed array each little-endian dtype reads into. */
const NUMERIC: Readonly<Record<string, { bytes: number; read: (view: DataView, offset: number) => number }>> = {
  "|u1": { bytes: 1, read: (v, o) => v.getUint8(o) },
  "|i1": { bytes: 1, read: (v, o) => v.getInt8(o) },
  "<u2": { bytes: 2, read: (v, o) => v.getUint16(o, true) },
  "<i2": { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  "<u4": { bytes: 4, read: (v, o) => v.getUint32(o, true) },
  "<i4": { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  "<u8": { bytes: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  "<i8": { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  "<f4": { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  "<f8": { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
};

interface Matrix {
  rows: number;
  columns: number;
  descr: string;
  values: Float64Array;
}

/** The split held by an .npz file's bytes; `what` names the file in errors. */
export function readCodesNpz(bytes: Uint8Array, what: string): CodeFactorSplit {
  const entries = readZipDirectory(bytes, what);
  const codes = readMatrix(bytes, entries, "codes", what);
  const factors = readMatrix(bytes, entries, "factors", what);
  if (codes.descr !== "<f4" && codes.descr !== "<f8") throw new DatasetFileError(`${what}: codes has dtype ${codes.descr}, expected float32 or float64`);
  if (codes.rows !== factors.rows) throw new DatasetFileError(`${what}: codes has ${codes.rows} rows but factors has ${factors.rows}: one factor row per code`);
  if (codes.rows < 3) throw new DatasetFileError(`${what} holds ${codes.rows} rows: at least 3 are needed (two thirds fit, one third tests)`);
  for (let i = 0; i < codes.values.length; i++) {
    if (!Number.isFinite(codes.values[i])) throw new DatasetFileError(`${what}: codes row ${Math.floor(i / codes.columns)} column ${i % codes.columns} is ${codes.values[i]}`);
  }
  for (let i = 0; i < factors.values.length; i++) {
    const v = factors.values[i];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new DatasetFileError(`${what}: factors row ${Math.floor(i / factors.columns)} column ${i % factors.columns} is ${v}, factors must be non-negative integers`);
    }
  }
  const names = Array.from({ length: factors.columns }, (_, k) => `factor${k}`);
  try {
    return splitRows(codes.values, Int32Array.from(factors.values), codes.rows, codes.columns, names);
  } catch (e) {
    throw new DatasetFileError(`${what}: ${(e as Error).message}`);
  }
}

/** Array `name` (name.npy in the zip) as a 2-D matrix of numbers. */
function readMatrix(bytes: Uint8Array, entries: ZipEntry[], name: string, what: string): Matrix {
  const entry = npzArrayEntry(entries, name);
  if (!entry) throw new DatasetFileError(`${what} has no ${name} array (it has: ${entries.map((e) => e.name.replace(/\.npy$/, "")).join(", ") || "nothing"})`);
  const data = readZipEntry(bytes, entry, what);
  const header = parseNpyHeader(data, `${what}: ${name}`);
  const dtype = NUMERIC[header.descr];
  if (!dtype) throw new DatasetFileError(`${what}: ${name} has dtype ${header.descr}, expected little-endian numbers (${Object.keys(NUMERIC).join(", ")})`);
  if (header.fortranOrder) throw new DatasetFileError(`${what}: ${name} is stored in Fortran order, expected C order (numpy.ascontiguousarray)`);
  if (header.shape.length !== 2) throw new DatasetFileError(`${what}: ${name} has shape (${header.shape.join(", ")}), expected 2 dimensions (rows × ${name === "codes" ? "latents" : "factors"})`);
  const [rows, columns] = header.shape;
  if (columns < 1) throw new DatasetFileError(`${what}: ${name} has no columns`);
  const count = rows * columns;
  if (data.length - header.dataOffset !== count * dtype.bytes) throw new DatasetFileError(`${what}: ${name} holds ${data.length - header.dataOffset} data bytes, its shape (${rows}, ${columns}) needs ${count * dtype.bytes}`);
  const view = new DataView(data.buffer, data.byteOffset + header.dataOffset, count * dtype.bytes);
  const values = Float64Array.from({ length: count }, (_, i) => dtype.read(view, i * dtype.bytes));
  return { rows, columns, descr: header.descr, values };
}
