// The committed golden vectors are exactly what the generator writes, so they can be trusted
// to come from TensorFlow.js and regenerated at will.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GOLDEN_DIR, generateGoldenVectors, loadTfjsCpu, shortestFloat32 } from "./golden-vectors";

describe("golden vectors", async () => {
  const files = generateGoldenVectors(await loadTfjsCpu());

  it("regenerates every committed file byte for byte, and nothing else", () => {
    expect([...files.keys()].sort()).toEqual(readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".json")).sort());
    for (const [name, text] of files) expect(text, name).toBe(readFileSync(join(GOLDEN_DIR, name), "utf8"));
  });

  it("computes what the formulas say on a case small enough to check by hand", () => {
    const kl = JSON.parse(files.get("kl_0.json")!);
    const [batch, latents] = kl.shape;
    const term = (i: number) => 0.5 * (kl.mu[i] ** 2 + Math.exp(kl.logvar[i]) - 1 - kl.logvar[i]);
    for (let j = 0; j < latents; j++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += term(b * latents + j);
      expect(kl.klPerLatent[j]).toBeCloseTo(sum / batch, 5);
    }
    const nll = JSON.parse(files.get("bernoulli_nll_0.json")!);
    const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
    nll.logits.forEach((l: number, i: number) => expect(nll.dlogits[i]).toBeCloseTo((sigmoid(l) - nll.targets[i]) / nll.shape[0], 6));
  });

  it("writes the shortest decimal that reads back as the same float32", () => {
    expect(shortestFloat32(0.1)).toBe(0.1);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(1 / 3)).toBe(0.33333334);
    expect(Math.fround(shortestFloat32(Math.fround(Math.PI)))).toBe(Math.fround(Math.PI));
  });
});
