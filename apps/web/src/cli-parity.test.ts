// The page and `bvae` train and draw through the same session and figure code: the same run
// warns of the same latents at the same steps, and the same checkpoint and seed give the same
// figure PNGs, byte for byte.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePng } from "@betavae/datasets";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/src/bvae";
import { Engine } from "./engine";

const STEPS = 200;
// Blobs have two factors: C = 30 at once is paid for with narrow posteriors on ignored latents.
const RUN = { dataset: "blobs", latents: 10, batch: 8, seed: 1, lr: 0.005, gamma: 1000, capacityMax: 30, capacitySteps: 1 } as const;

afterEach(() => vi.restoreAllMocks());

/** Runs bvae in process; returns its stderr lines (progress, warnings). */
async function bvae(argv: string[]): Promise<string[]> {
  const err: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const code = await main(argv);
  vi.restoreAllMocks();
  expect(code, err.join("")).toBe(0);
  return err.join("").split("\n");
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

describe("the page and bvae", () => {
  it("warn at the same steps and draw byte-identical figures from the same checkpoint and seed", async () => {
    const run = join(mkdtempSync(join(tmpdir(), "bvae-parity-")), "run");
    const cliLines = await bvae([
      "train", "--dataset", RUN.dataset, "--latents", String(RUN.latents), "--batch", String(RUN.batch), "--seed", String(RUN.seed),
      "--lr", String(RUN.lr), "--objective", "capacity", "--gamma", String(RUN.gamma), "--capacity-max", String(RUN.capacityMax),
      "--capacity-steps", String(RUN.capacitySteps), "--steps", String(STEPS), "--backend", "wasm", "--threads", "1", "--out", run,
    ]);
    const cliWarnings = cliLines.filter((l) => l.startsWith("warning: ")).map((l) => l.slice("warning: ".length));

    const engine = await Engine.create("wasm", 1);
    try {
      await engine.reset({
        dataset: RUN.dataset, latents: RUN.latents, batch: RUN.batch, seed: RUN.seed, lr: RUN.lr,
        objective: { kind: "capacity", gamma: RUN.gamma, capacityMax: RUN.capacityMax, capacitySteps: RUN.capacitySteps },
      });
      const pageWarnings: string[] = [];
      for (let i = 0; i < STEPS; i++) {
        await engine.trainStep();
        pageWarnings.push(...engine.takeWarnings());
      }
      expect(cliWarnings.length).toBeGreaterThan(0);
      expect(pageWarnings).toEqual(cliWarnings);

      // the run's own figures (its seed) and bvae traverse with another seed, against the page's view of the checkpoint
      const checkpoint = new Uint8Array(readFileSync(join(run, "checkpoint.safetensors")));
      await engine.load(checkpoint, "checkpoint.safetensors");
      const figures = join(run, "seed-5");
      await bvae(["traverse", "--checkpoint", join(run, "checkpoint.safetensors"), "--out", figures, "--seed", "5", "--backend", "wasm", "--threads", "1"]);
      for (const [dir, seed] of [[run, RUN.seed], [figures, 5]] as const) {
        const view = await engine.view(seed);
        expect(same(encodePng(view.traversal), new Uint8Array(readFileSync(join(dir, "traversal.png")))), `traversal.png, seed ${seed}`).toBe(true);
        expect(same(encodePng(view.reconstructions), new Uint8Array(readFileSync(join(dir, "reconstructions.png")))), `reconstructions.png, seed ${seed}`).toBe(true);
      }
      // and the seed matters: another seed draws another picture
      expect(same(encodePng((await engine.view(6)).reconstructions), new Uint8Array(readFileSync(join(figures, "reconstructions.png"))))).toBe(false);
    } finally {
      engine.dispose();
    }
  });
});
