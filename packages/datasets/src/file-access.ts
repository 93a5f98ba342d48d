// Files read by position, never whole, and the one wording of why a file cannot be read.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DatasetFileError } from "./errors.ts";
import type { RandomAccess } from "./zip.ts";

/** Calls `use` with the file's bytes by position (read piecewise, a 64 KiB window at a time), then closes it. */
export function withFile<T>(path: string, use: (file: RandomAccess) => T): T {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    const length = fstatSync(fd).size;
    const window = new Uint8Array(1 << 16);
    let start = 0, filled = 0;
    return use({
      length,
      read(position, size) {
        if (size > window.length) {
          const out = new Uint8Array(size);
          readSync(fd, out, 0, size, position);
          return out;
        }
        if (position < start || position + size > start + filled) {
          start = position;
          filled = readSync(fd, window, 0, window.length, position);
        }
        return window.subarray(position - start, position - start + size);
      },
    });
  } finally {
    closeSync(fd);
  }
}

export function unreadable(path: string, err: unknown): DatasetFileError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String(err);
  return new DatasetFileError(`cannot read ${path}: ${why}`, { cause: err });
}
