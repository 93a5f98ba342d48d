import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest ancestor holding turbo.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "turbo.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (no turbo.json above this file)");
    dir = parent;
  }
  return dir;
}

/** The committed golden vectors (packages/core/fixtures/ops, written by bench/src/golden-vectors.ts). */
export function goldenVectorsDir(): string {
  return join(repoRoot(), "packages", "core", "fixtures", "ops");
}
