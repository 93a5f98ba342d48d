// The packages as a user meets them: `npm pack` of the CLI and the libraries (built by
// `turbo build` before the tests run), installed into an empty directory with no workspace
// around it; there `npx bvae` trains, and a script imports the libraries and trains through
// their API, type-checked against the published declarations.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy } from "@betavae/datasets";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PACKAGES = ["@betavae/kernels", "@betavae/core", "@betavae/datasets", "@betavae/eval", "@betavae/webgpu", "@betavae/cli"];
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/**
 * The environment a user's shell would give: without what npm sets for the script running
 * this test (the repository as its prefix, the in-repository source condition in NODE_OPTIONS).
 */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_registry"]);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) =>
    (!key.startsWith("npm_") || keep.has(key)) && key !== "NODE_OPTIONS" && key !== "INIT_CWD"));
}

/** Runs a command to completion: its stdout, or an error that carries everything it printed. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: userEnv(), encoding: "utf8", timeout: 180_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

// Plain JavaScript, checked against the packages' declarations (`// @ts-check`) before it runs.
const LIBRARY_SCRIPT = `// @ts-check
import { BURGESS_CONFIG, DEFAULT_OPTIMISER, Trainer, TrainingSession, WasmBackend } from "@betavae/core";
import { ImageSampler, createDataset } from "@betavae/datasets";
import { evaluate } from "@betavae/eval";
import { createBackendByName } from "@betavae/webgpu";

const backend = await WasmBackend.create({ threads: 2 });
const config = { model: BURGESS_CONFIG, objective: { kind: /** @type {const} */ ("beta"), beta: 4 }, optimiser: DEFAULT_OPTIMISER, batch: 8, seed: 1 };
const trainer = new Trainer(backend, config, new ImageSampler(createDataset("dsprites"), 2));
/** @type {number[]} */
const losses = [];
const session = new TrainingSession(trainer, { logEvery: 1, onRecord: (record) => void losses.push(record.loss ?? NaN) });
await session.run(6);
backend.dispose();
console.log(JSON.stringify({ step: trainer.step, losses, loaded: [typeof evaluate, typeof createBackendByName] }));
`;

describe("the packed packages, installed outside the repository", () => {
  const dir = mkdtempSync(join(tmpdir(), "bvae-pack-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("run `npx bvae` and train through the library API", () => {
    for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, "package.json")), `${d} must hold no package.json`).toBe(false);
    const bundle = join(ROOT, "apps/cli/dist/bin/bvae.mjs");
    expect(existsSync(bundle), `${bundle} is missing: run \`npx turbo build\` first`).toBe(true);

    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir, ...PACKAGES.flatMap((p) => ["-w", p])], ROOT)) as { filename: string; files: { path: string }[] }[];
    expect(packed.map((p) => p.filename).sort()).toEqual(PACKAGES.map((p) => `${p.slice(1).replace("/", "-")}-${version}.tgz`).sort());
    for (const { files } of packed) expect(files.map((f) => f.path).filter((p) => p.startsWith("src/") || p.endsWith(".test.js"))).toEqual([]);

    const consumer = join(dir, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...packed.map((p) => join(dir, p.filename))], consumer);

    expect(run("npx", ["--no", "--", "bvae", "--version"], consumer)).toBe(`${version}\n`);
    const out = run("npx", ["--no", "--", "bvae", "train", "--preset", "quick", "--steps", "10", "--out", "run"], consumer);
    expect(out).toMatch(/trained 10 steps/);
    const steps = readFileSync(join(consumer, "run", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).step);
    expect(steps.at(-1)).toBe(10);
    for (const f of ["checkpoint.safetensors", "reconstructions.png", "traversal.png"]) expect(existsSync(join(consumer, "run", f))).toBe(true);
    // a data file streamed through the reader thread bundled beside bvae.mjs
    writeFileSync(join(consumer, "images.npy"), encodeNpy("|u1", [6, 16, 16, 3], Uint8Array.from({ length: 6 * 768 }, (_, i) => (i * 7) % 256)));
    expect(run("npx", ["--no", "--", "bvae", "train", "--data-file", "images.npy", "--steps", "2", "--batch", "4", "--out", "npy-run"], consumer)).toMatch(/trained 2 steps/);
    // the KL curves: Vega bundled, resvg (a native addon) and the font resolved from the install
    expect(run("npx", ["--no", "--", "bvae", "figures", "--run", "run"], consumer)).toMatch(/figures: .*kl-step\.png/);
    expect(readFileSync(join(consumer, "run", "kl-step.png")).subarray(1, 4).toString()).toBe("PNG");

    writeFileSync(join(consumer, "train.mjs"), LIBRARY_SCRIPT);
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    run(process.execPath, [tsc, "--noEmit", "--allowJs", "--checkJs", "--strict", "--module", "nodenext", "--target", "es2022",
      "--lib", "es2022,dom", "--skipLibCheck", "train.mjs"], consumer);
    const result = JSON.parse(run(process.execPath, ["train.mjs"], consumer));
    expect(result.step).toBe(6);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    expect(result.losses.at(-1)).toBeLessThan(result.losses[0]);
    expect(result.loaded).toEqual(["function", "function"]);
  }, 300_000);
});
