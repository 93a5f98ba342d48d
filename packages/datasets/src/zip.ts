/**
 * Just enough of the zip format to read a NumPy .npz: the central directory (with zip64
 * sizes and offsets, which the 3 GB dSprites image array needs), and each entry's data,
 * stored or deflated. Inflation is fflate's streaming Inflate, so an entry is handed to the
 * caller in chunks and never has to exist in memory whole. Every read is bounds-checked;
 * anything malformed is a DatasetFileError.
 */
import { Inflate } from "fflate";
import { crc32Update } from "./crc32.ts";
import { DatasetFileError } from "./errors.ts";

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  /** Where the entry's (compressed) data starts in the archive. */
  dataOffset: number;
  /** CRC-32 of the uncompressed data. */
  crc: number;
}

const EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

/** Bytes of an archive by position: the archive in memory, or a file read piecewise (data-files.ts). */
export interface RandomAccess {
  readonly length: number;
  /** The bytes at [position, position + length), which lie inside the archive; the view may be reused by the next read. */
  read(position: number, length: number): Uint8Array;
}

export function bytesAccess(bytes: Uint8Array): RandomAccess {
  return { length: bytes.length, read: (position, length) => bytes.subarray(position, position + length) };
}

/**
 * The archive's entries, from its central directory; `zip` is read piecewise, never whole.
 * `kind` names what it should be in messages ("zip": "… is not a readable zip file").
 */
export function readZipDirectory(archive: Uint8Array | RandomAccess, what: string, kind = ".npz (zip)"): ZipEntry[] {
  const zip = archive instanceof Uint8Array ? bytesAccess(archive) : archive;
  const fail = (msg: string): never => {
    throw new DatasetFileError(`${what} is not a readable ${kind} file: ${msg}`);
  };
  const view = (p: number, n: number) => {
    const b = zip.read(p, n);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const u16 = (p: number) => (p >= 0 && p + 2 <= zip.length ? view(p, 2).getUint16(0, true) : fail("truncated"));
  const u32 = (p: number) => (p >= 0 && p + 4 <= zip.length ? view(p, 4).getUint32(0, true) : fail("truncated"));
  const u64 = (p: number) => {
    const lo = u32(p), hi = u32(p + 4);
    if (hi >= 1 << 21) fail("a 64-bit size or offset is beyond 2^53");
    return hi * 4294967296 + lo;
  };

  // the end-of-central-directory record is in the last 22 + 65535 bytes
  let eocd = -1;
  const tailStart = Math.max(0, zip.length - 22 - 65535);
  const tail = zip.length >= 22 ? view(tailStart, zip.length - tailStart) : undefined;
  for (let p = zip.length - 22; tail && p >= tailStart; p--) {
    if (tail.getUint32(p - tailStart, true) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail(zip.length < 22 ? "too short" : "no end-of-central-directory record (truncated, or not a zip)");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR) fail("zip64 sizes without a zip64 locator");
    const rec = u64(loc + 8);
    if (rec + 56 > zip.length || u32(rec) !== ZIP64_EOCD) fail("bad zip64 end-of-central-directory record");
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOffset = u64(rec + 48);
  }
  if (cdOffset + cdSize > zip.length) fail("central directory lies beyond the end of the file");
  if (count > cdSize / 46) fail(`central directory too small for ${count} entries`);

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (u32(p) !== CENTRAL) fail(`bad central directory entry ${k}`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize) fail(`central directory entry ${k} overruns the directory`);
    let name = "";
    const nameBytes = zip.read(p + 46, nameLen);
    for (let i = 0; i < nameLen; i++) name += String.fromCharCode(nameBytes[i]);
    // zip64 extra field: the 64-bit values of the fields saturated above, in this order
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = u16(e), len = u16(e + 2);
      if (e + 4 + len > eEnd) fail(`entry ${name}: bad extra field`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) fail(`entry ${name}: short zip64 field`);
          const v = u64(q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry ${name} is encrypted`);
    if (method !== 0 && method !== 8) fail(`entry ${name} uses compression method ${method} (only stored and deflate are supported)`);
    if (method === 0 && compressedSize !== size) fail(`stored entry ${name} has different compressed and plain sizes`);
    if (u32(localOffset) !== LOCAL) fail(`entry ${name}: bad local header`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + compressedSize > zip.length) fail(`entry ${name}'s data runs past the end of the file (truncated?)`);
    entries.push({ name, method, compressedSize, size, dataOffset, crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Streams an entry's uncompressed bytes to `onChunk` (chunks are views that are only valid
 * during the call). Throws a DatasetFileError if the data is corrupt, or its length or CRC-32
 * differs from the directory's (checked after the last chunk); errors thrown by `onChunk`
 * propagate unchanged.
 */
export function streamZipEntry(zip: Uint8Array, entry: ZipEntry, what: string, onChunk: (chunk: Uint8Array) => void): void {
  const data = zip.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let produced = 0;
  let crc = 0;
  const CHUNK = 1 << 16;
  const checkCrc = () => {
    if (crc !== entry.crc) throw new DatasetFileError(`${what}: ${entry.name} is corrupt (CRC-32 mismatch)`);
  };
  if (entry.method === 0) {
    for (let p = 0; p < data.length; p += CHUNK) {
      const chunk = data.subarray(p, Math.min(data.length, p + CHUNK));
      crc = crc32Update(crc, chunk);
      onChunk(chunk);
    }
    checkCrc();
    return;
  }
  let consumerError: unknown;
  const inflate = new Inflate((chunk) => {
    produced += chunk.length;
    if (produced > entry.size) throw new DatasetFileError(`${what}: ${entry.name} inflates to more than its recorded ${entry.size} bytes`);
    crc = crc32Update(crc, chunk);
    try {
      onChunk(chunk);
    } catch (err) {
      consumerError = err;
      throw err;
    }
  });
  try {
    for (let p = 0; p < data.length; p += CHUNK) inflate.push(data.subarray(p, Math.min(data.length, p + CHUNK)), p + CHUNK >= data.length);
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (err) {
    if (err === consumerError || err instanceof DatasetFileError) throw err;
    throw new DatasetFileError(`${what}: ${entry.name} is corrupt (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (produced !== entry.size) throw new DatasetFileError(`${what}: ${entry.name} inflates to ${produced} bytes, its directory says ${entry.size}`);
  checkCrc();
}

/** An entry's uncompressed bytes, whole (for small entries: an image in an archive). Errors as streamZipEntry's. */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry, what: string): Uint8Array {
  const out = new Uint8Array(entry.size);
  let filled = 0;
  streamZipEntry(zip, entry, what, (chunk) => {
    out.set(chunk, filled);
    filled += chunk.length;
  });
  return out;
}

/** The entry of array `array` in an .npz's entries: `array.npy`, or `array` as some writers name it. */
export function npzArrayEntry(entries: readonly ZipEntry[], array: string): ZipEntry | undefined {
  return entries.find((e) => e.name === `${array}.npy` || e.name === array);
}
