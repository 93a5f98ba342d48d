// File helpers that never lose what a user made: writes go to a temporary file in the same
// directory and are renamed over the target, so a kill at any moment leaves either the old
// file or the new one, never half of one.
import { closeSync, constants, accessSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export class FileError extends Error {
  override name = "FileError";
}

/** Why a file operation failed, in words: "no space left on the device (ENOSPC)". */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reason: Record<string, string> = {
    ENOSPC: "no space left on the device",
    EDQUOT: "the disk quota is used up",
    EFBIG: "the file size limit is reached",
    EROFS: "the file system is read-only",
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "a part of the path is a file, not a directory",
    EIO: "an input/output error",
  };
  return code === undefined ? (e as Error).message : reason[code] ? `${reason[code]} (${code})` : code;
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    const fd = openSync(tmp, "w");
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw new FileError(`cannot write ${path}: ${describeFsError(e)}`);
  }
}

/** Creates `dir` if needed and checks that files can be written in it. */
export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new FileError(`cannot write to output directory ${dir}: ${describeFsError(whyNotCreated(dir, e))}`);
  }
}

/**
 * A recursive mkdir under a read-only mount can fail with ENOENT; the deepest directory that
 * exists says why (EROFS, EACCES).
 */
function whyNotCreated(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") return e;
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    try {
      accessSync(parent, constants.F_OK);
    } catch {
      continue;
    }
    try {
      accessSync(parent, constants.W_OK);
      return e;
    } catch (denied) {
      return denied;
    }
  }
  return e;
}

export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileError(`${what} ${path} does not exist`);
    if (code === "EISDIR") throw new FileError(`${what} ${path} is a directory, not a file`);
    throw new FileError(`cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}
