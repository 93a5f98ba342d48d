// What every benchmark's JSON carries about the machine, and where it is written.
import os from "node:os";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface MachineInfo {
  cpu: string;
  cores: number;
  arch: string;
  platform: string;
  osRelease: string;
  totalMemoryGiB: number;
  node: string;
  v8: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    arch: os.arch(),
    platform: os.platform(),
    osRelease: os.release(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
  };
}

/** bench/results/<name>: the default place for a benchmark's JSON (git-ignored). */
export function defaultResultPath(name: string): string {
  return fileURLToPath(new URL(`../results/${name}`, import.meta.url));
}

/**
 * A path given on the command line, resolved against the directory the user ran from
 * (npm scripts run in the package root; npm keeps the caller's directory in INIT_CWD).
 */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
