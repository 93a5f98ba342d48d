// A run directory has one owner. `bvae train` holds its lock file (pid, host, since when) while
// it runs, so a second run or a `--resume` on the same directory refuses instead of
// interleaving the log and overwriting the checkpoint. A lock left by a process that died on
// this host is taken over; so are the temporary files such a process was writing. A process
// on another host cannot be asked whether it lives, so a holder renews its lock's time every
// 30 s, and a lock of another host not renewed for 10 minutes (a machine gone) is taken over. The
// directory also keeps the run's settings (in config.json), which a resumed run starts from.
import { existsSync, linkSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FileError, ensureWritableDir, writeFileAtomic } from "./files";

export const LOCK_FILE = ".run.lock";
/** How often a holder renews its lock (the file's modification time). */
export const LOCK_RENEW_MS = 30_000;
/** A lock of another host not renewed for this long is left by a machine that is gone: far above a renewal, NFS attribute caching and clock skew. */
export const LOCK_EXPIRY_MS = 10 * 60_000;

export const CHECKPOINT_FILE = "checkpoint.safetensors";
export const METRICS_FILE = "metrics.jsonl";
export const CONFIG_FILE = "config.json";
/** what `bvae eval --out DIR` writes: the scores and the checkpoint step they are of */
export const EVAL_FILE = "eval.json";

/** Files a run leaves in its directory; a fresh run refuses a directory holding any of them. */
export const RUN_FILES = [
  CHECKPOINT_FILE, METRICS_FILE, CONFIG_FILE,
  "reconstructions.png", "traversal.png", "kl-step.png", "kl-capacity.png", "heatmaps.png",
];

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
}

export interface RunLock {
  /** Removes the lock file (once; also done when the process exits). */
  release(): void;
}

/** Whether process `pid` on this host is running (one we may not signal is running too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Creates `dir` if needed and takes its lock: refuses in one line naming the holder when a
 * live process holds it, takes over a dead one's, then removes temporary files of writers
 * that died (each named to `note`).
 */
export function lockRunDir(dir: string, note: (line: string) => void): RunLock {
  ensureWritableDir(dir);
  const path = join(dir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(path, JSON.stringify(mine) + "\n")) break;
    const holder = readHolder(path);
    if (holder === "gone") continue; // released between our attempt and the read
    if (holder !== "unreadable" && !isHeld(path, holder) && attempt < 3) {
      takeOverStale(path, holder);
      note(holder.host === mine.host
        ? `took over ${path} from process ${holder.pid}, which died without releasing it`
        : `took over ${path} from process ${holder.pid} on ${holder.host}, which has not renewed it for ${Math.round(LOCK_EXPIRY_MS / 60_000)} minutes`);
      continue;
    }
    throw new FileError(holder === "unreadable"
      ? `${dir} is locked by ${path}, which cannot be read; if no bvae train runs there, delete it`
      : `${dir} is in use by process ${holder.pid} on ${holder.host} since ${holder.since}; wait for it to finish or stop it`
        + (holder.host === mine.host ? "" : ` (a lock its machine stops renewing expires after ${Math.round(LOCK_EXPIRY_MS / 60_000)} minutes)`));
  }
  const renew = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // gone or unwritable for a moment: the next renewal tries again, and expiry is 20 renewals away
    }
  }, LOCK_RENEW_MS);
  renew.unref();
  const release = () => {
    clearInterval(renew);
    process.off("exit", release);
    const holder = readHolder(path);
    if (holder !== "gone" && holder !== "unreadable" && holder.pid === mine.pid && holder.since === mine.since) unlinkSync(path);
  };
  process.on("exit", release); // a second Ctrl-C exits without unwinding
  try {
    for (const name of cleanStaleTemps(dir)) note(`removed ${join(dir, name)}, left by a process that died while writing it`);
  } catch (e) {
    release();
    throw e;
  }
  return { release };
}

/** Who holds `dir`'s lock when a live process does (an unreadable lock counts as live); null when none does. */
export function liveHolder(dir: string): LockHolder | "unreadable" | null {
  const path = join(dir, LOCK_FILE);
  const holder = readHolder(path);
  if (holder === "gone") return null;
  return holder === "unreadable" || isHeld(path, holder) ? holder : null;
}

/** A holder on this host holds its lock while its process runs; one on another host while it renews the lock. */
function isHeld(path: string, holder: LockHolder): boolean {
  if (holder.host === hostname()) return isAlive(holder.pid);
  try {
    return Date.now() - statSync(path).mtimeMs < LOCK_EXPIRY_MS;
  } catch {
    return false; // released since it was read
  }
}

/** Whether `dir`'s lock is held by a live process (see liveHolder). */
export function isLockHeld(dir: string): boolean {
  return liveHolder(dir) !== null;
}

/** Writes the whole file under a temporary name, then links it into place: it appears complete, and only if absent. */
export function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileAtomic(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new FileError(`cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    unlinkSync(tmp);
  }
}

/** Who holds the lock file at `path`: "gone" when there is none. */
export function readHolder(path: string): LockHolder | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : "unreadable";
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isSafeInteger(h.pid) && typeof h.host === "string" && typeof h.since === "string" ? h : "unreadable";
  } catch {
    return "unreadable";
  }
}

/**
 * Removes a dead holder's lock. Two processes may find the same stale lock: each moves it
 * aside under its own name first, and puts back what it moved if that was a live one's.
 */
function takeOverStale(path: string, stale: LockHolder): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readHolder(aside);
  if (moved !== "gone" && moved !== "unreadable" && (moved.pid !== stale.pid || moved.since !== stale.since)) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the lock now
    }
  }
  unlinkSync(aside);
}

/** writeFileAtomic's temporary files (`.NAME.PID.tmp`) and a lock a process was moving aside (`.run.lock.PID.stale`). */
const TEMP_FILE = /^\..+\.(\d+)\.(tmp|stale)$/;

/** Removes temporary files whose writer is no longer running (a `kill -9` mid-write); returns their names. */
export function cleanStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = TEMP_FILE.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new FileError(`cannot remove ${join(dir, name)}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  return removed;
}

/** The run files `dir` holds (none when it does not exist). */
export function runFilesIn(dir: string): string[] {
  return RUN_FILES.filter((name) => existsSync(join(dir, name)));
}

/** A run's settings: flag name → value, as the run was last started with. */
export type RunSettings = Record<string, string | number | boolean>;

/** The settings config.json keeps (null for a run written before they were kept). */
export function readRunSettings(configPath: string): RunSettings | null {
  if (!existsSync(configPath)) return null;
  let config: { settings?: unknown };
  try {
    config = JSON.parse(readFileSync(configPath, "utf8"));
  } catch {
    throw new FileError(`${configPath} is not JSON; the run's settings cannot be read`);
  }
  const settings = config.settings;
  if (settings === undefined) return null;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) throw new FileError(`${configPath} has settings that are not an object`);
  return settings as RunSettings;
}
