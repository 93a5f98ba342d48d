/**
 * The .npy format (NumPy's array files): magic "\x93NUMPY", version 1.0 / 2.0 / 3.0, a header
 * length (uint16 in v1, uint32 in v2/3, little-endian), then a Python dict literal such as
 * {'descr': '|u1', 'fortran_order': False, 'shape': (737280, 64, 64), } and the raw data.
 * Parsing is strict and bounded: anything unexpected is a DatasetFileError naming the file.
 */
import { DatasetFileError } from "./errors.ts";

export interface NpyHeader {
  /** dtype string, e.g. "|u1", "<i8", "<f8". */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the data (magic, version, length field, header). */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Longer headers are refused: real ones are ~100 bytes. */
const MAX_HEADER = 1 << 16;

/**
 * How many bytes the header occupies, from at least the first 12 bytes of the file;
 * undefined if `prefix` is too short to tell yet.
 */
export function npyHeaderSize(prefix: Uint8Array, what: string): number | undefined {
  const n = Math.min(prefix.length, 6);
  for (let i = 0; i < n; i++) {
    if (prefix[i] !== MAGIC[i]) throw new DatasetFileError(`${what} is not a .npy array (bad magic bytes)`);
  }
  if (prefix.length < 8) return undefined;
  const major = prefix[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new DatasetFileError(`${what} has unsupported .npy version ${major}.${prefix[7]}`);
  const fieldBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + fieldBytes) return undefined;
  const len = major === 1 ? prefix[8] | (prefix[9] << 8) : (prefix[8] | (prefix[9] << 8) | (prefix[10] << 16) | (prefix[11] << 24)) >>> 0;
  if (len > MAX_HEADER) throw new DatasetFileError(`${what} has an implausible .npy header length (${len} bytes)`);
  return 8 + fieldBytes + len;
}

/** Parses the header at the start of `bytes` (which must hold all of it). */
export function parseNpyHeader(bytes: Uint8Array, what = "the .npy file"): NpyHeader {
  const size = npyHeaderSize(bytes, what);
  if (size === undefined || bytes.length < size) throw new DatasetFileError(`${what} is truncated inside its .npy header`);
  const start = bytes[6] === 1 ? 10 : 12;
  let text = "";
  for (let i = start; i < size; i++) {
    const c = bytes[i];
    if (c > 0x7e || (c < 0x20 && c !== 0x0a && c !== 0x09)) throw new DatasetFileError(`${what} has a non-text byte in its .npy header`);
    text += String.fromCharCode(c);
  }
  const dict = parseDict(text, what);
  const descr = dict.get("descr"), fortran = dict.get("fortran_order"), shape = dict.get("shape");
  if (typeof descr !== "string") throw new DatasetFileError(`${what}: .npy header lacks a 'descr' string (structured dtypes are not supported)`);
  if (typeof fortran !== "boolean") throw new DatasetFileError(`${what}: .npy header lacks 'fortran_order'`);
  if (!Array.isArray(shape)) throw new DatasetFileError(`${what}: .npy header lacks a 'shape' tuple`);
  return { descr, fortranOrder: fortran, shape, dataOffset: size };
}

type Value = string | boolean | number[];

/** A Python dict literal with string keys and string / bool / int-tuple values. */
function parseDict(text: string, what: string): Map<string, Value> {
  let i = 0;
  const fail = (msg: string): never => {
    throw new DatasetFileError(`${what}: malformed .npy header (${msg} at character ${i})`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\t")) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail("expected a string");
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail("unterminated string");
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^[0-9]{1,16}L?/.exec(text.slice(i, i + 18)); // Python 2 wrote longs as 123L
    if (!m) fail("expected an integer");
    i += m![0].length;
    const v = Number.parseInt(m![0], 10);
    if (!Number.isSafeInteger(v)) fail("integer too large");
    return v;
  };
  const value = (): Value => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text.startsWith("True", i)) return (i += 4), true;
    if (text.startsWith("False", i)) return (i += 5), false;
    if (text[i] === "(") {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ")") break;
        if (dims.length >= 32) fail("too many dimensions");
        dims.push(int());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== ")") fail("expected ',' or ')'");
      }
      i++;
      return dims;
    }
    return fail("unsupported value");
  };
  const out = new Map<string, Value>();
  expect("{");
  for (;;) {
    ws();
    if (text[i] === "}") break;
    const key = str();
    expect(":");
    if (out.has(key)) fail(`duplicate key '${key}'`);
    out.set(key, value());
    ws();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail("expected ',' or '}'");
  }
  i++;
  ws();
  if (i !== text.length) fail("trailing characters");
  return out;
}

/** Bytes per element of the dtypes this package reads or writes. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = { "|u1": 1, "|b1": 1, "<i4": 4, "<i8": 8, "<f4": 4, "<f8": 8 };

/**
 * The bytes of a version-1.0 .npy header for C-ordered data of this dtype and shape, padded to
 * `length` bytes when given (a multiple of 64, at least what the header needs): a file written
 * before its final count is known keeps its data where it is when the header is rewritten.
 */
export function npyHeader(descr: string, shape: readonly number[], length?: number): Uint8Array {
  if (DTYPE_BYTES[descr] === undefined) throw new RangeError(`npyHeader: unsupported dtype ${descr}`);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // pad with spaces so magic + version + length + header + "\n" is a multiple of 64
  const needed = Math.ceil((10 + header.length + 1) / 64) * 64;
  if (length !== undefined && (length < needed || length % 64 !== 0 || length - 10 > 0xffff)) {
    throw new RangeError(`npyHeader: ${length} bytes cannot hold the header of shape (${shape.join(", ")}) padded to a multiple of 64`);
  }
  const total = length ?? needed;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  return out;
}

/**
 * Writes a version-1.0 .npy file: `data` holds the raw little-endian element bytes. Used by
 * tests and by anyone saving a subset of dSprites for loadDspritesNpz.
 */
export function encodeNpy(descr: string, shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = npyHeader(descr, shape);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count * DTYPE_BYTES[descr]) throw new RangeError(`encodeNpy: shape (${shape.join(", ")}) of ${descr} needs ${count * DTYPE_BYTES[descr]} bytes, got ${data.length}`);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}
