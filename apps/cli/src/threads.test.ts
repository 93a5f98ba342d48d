// --threads on bvae train and bvae eval: a run on two threads, recorded in config.json,
// resumed on one (a speed setting, not a model one), evaluated on two; and bad counts.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./bvae";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("--threads", () => {
  it("trains on 2 threads, records them, resumes on 1, and evaluates on 2", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "bvae-threads-")), "run");
    expect(await main(["train", "--threads", "2", "--steps", "3", "--batch", "8", "--log-every", "1", "--out", dir])).toBe(0);
    expect(json(join(dir, "config.json"))).toMatchObject({ backend: expect.stringMatching(/^wasm-/), threads: 2 });
    expect(captured.out[0]).toMatch(/on wasm-\w+, 2 threads; run directory/);
    const metrics = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const m of metrics) expect(Number.isFinite(m.loss)).toBe(true);

    expect(await main(["train", "--resume", "--threads", "1", "--steps", "4", "--log-every", "1", "--out", dir])).toBe(0);
    expect(json(join(dir, "config.json")).threads).toBe(1);
    expect(readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4]);

    const evalDir = join(dir, "eval");
    expect(await main(["eval", "--threads", "2", "--checkpoint", join(dir, "checkpoint.safetensors"), "--metrics", "mig", "--samples", "20", "--out", evalDir])).toBe(0);
    expect(json(join(evalDir, "eval.json")).results[0].metric).toBe("mig");
  });

  it("rejects a thread count below one", async () => {
    await expectError(["train", "--threads", "0", "--out", "x"], /--threads must be at least 1, got 0/, 2);
    await expectError(["eval", "--threads", "1.5", "--encoder", "random", "--out", "x"], /--threads must be an integer, got '1.5'/, 2);
  });
});
