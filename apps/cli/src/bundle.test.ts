// The bundled CLI (dist/, made by `turbo build` before the tests run): one JavaScript file
// that must find the kernel modules and the threads' worker beside it, and give the same
// model as the TypeScript sources.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./bvae";
import { captureConsole } from "./test-console";

captureConsole();

const BUNDLE = fileURLToPath(new URL("../dist/bin/bvae.mjs", import.meta.url));
const TRAIN = ["train", "--steps", "3", "--batch", "4", "--latents", "3", "--log-every", "1"];

describe.skipIf(!existsSync(BUNDLE))("the bundled bvae", () => {
  it("trains on two threads exactly as the sources do, and reports a bad flag in one line", async () => {
    const root = mkdtempSync(join(tmpdir(), "bvae-bundle-"));
    const bundled = join(root, "bundled");
    execFileSync(process.execPath, [BUNDLE, ...TRAIN, "--threads", "2", "--out", bundled], { stdio: "pipe" });
    expect(await main([...TRAIN, "--threads", "2", "--out", join(root, "sources")])).toBe(0);
    const losses = (dir: string) => readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).loss);
    expect(losses(bundled)).toEqual(losses(join(root, "sources")));
    expect(JSON.parse(readFileSync(join(bundled, "config.json"), "utf8")).threads).toBe(2);
    const bad = spawnSync(process.execPath, [BUNDLE, "train", "--stepz", "3"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--stepz/);
  });
});
