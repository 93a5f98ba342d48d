import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { goldenVectorsDir } from "@betavae/core/testing";
import { describe, expect, it } from "vitest";
import { UsageError, checkOps, parseArgs } from "./check-ops";

const fixtures = goldenVectorsDir();

async function run(dir: string, backends?: string[]) {
  const lines: string[] = [];
  const failures = await checkOps({ fixtures: dir, backends }, (l) => lines.push(l));
  return { failures, lines };
}

describe("check-ops", () => {
  it("passes every golden vector on every available backend, one line per file and backend", async () => {
    const { failures, lines } = await run(fixtures);
    const files = readdirSync(fixtures).filter((f) => f.endsWith(".json")).length;
    expect(files).toBeGreaterThanOrEqual(16);
    expect(failures).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(files * 3);
    for (const backend of ["reference", "wasm-simd", "wasm-relaxed"]) {
      expect(lines.filter((l) => l.includes(` ${backend} `) && l.includes("PASS  max abs")).length).toBe(files);
    }
  }, 240_000); // with a WebGPU adapter this includes SwiftShader, slow on a loaded 2-core machine

  it("fails a fixture whose expected values are wrong, and an unreadable file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "check-ops-"));
    const dense = JSON.parse(readFileSync(join(fixtures, "dense_1.json"), "utf8"));
    dense.y[3] += 0.01;
    writeFileSync(join(dir, "dense_bad.json"), JSON.stringify(dense));
    writeFileSync(join(dir, "broken.json"), '{"op": "dense", "x": [1, 2');
    copyFileSync(join(fixtures, "kl_0.json"), join(dir, "kl_0.json"));
    const { failures, lines } = await run(dir, ["reference", "wasm"]);
    expect(failures).toBe(3);
    expect(lines.find((l) => l.startsWith("broken.json"))).toMatch(/FAIL {2}unreadable: /);
    expect(lines.filter((l) => l.startsWith("dense_bad.json") && /FAIL .*y at/.test(l)).length).toBe(2);
    expect(lines.filter((l) => l.startsWith("kl_0.json") && l.includes("PASS")).length).toBe(2);
  });

  it("fails a fixture with a malformed shape or an unknown op, saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "check-ops-"));
    const conv = JSON.parse(readFileSync(join(fixtures, "conv2d_0.json"), "utf8"));
    conv.yShape = [2, 5, 4, 5];
    writeFileSync(join(dir, "conv_shape.json"), JSON.stringify(conv));
    writeFileSync(join(dir, "other.json"), JSON.stringify({ op: "softmax" }));
    const { failures, lines } = await run(dir, ["wasm"]);
    expect(failures).toBe(2);
    expect(lines.find((l) => l.startsWith("conv_shape.json"))).toContain("gives 4×4, not 5×4");
    expect(lines.find((l) => l.startsWith("other.json"))).toContain("unknown op 'softmax'");
  });

  it("reports a missing directory", async () => {
    const { failures, lines } = await run(join(tmpdir(), "no-such-fixtures-dir"));
    expect(failures).toBe(1);
    expect(lines[0]).toMatch(/^FAIL {2}cannot read fixture directory/);
  });

  it("parses its options and rejects unknown ones", () => {
    expect(parseArgs(["--fixtures", "d", "--backend", "reference,wasm"])).toEqual({ fixtures: "d", backends: ["reference", "wasm"] });
    expect(() => parseArgs(["--fixture", "d"])).toThrow(new UsageError("unknown option '--fixture'"));
    expect(() => parseArgs([])).toThrow("--fixtures <dir> is required");
    expect(() => parseArgs(["--fixtures"])).toThrow("--fixtures needs a value");
  });

  it("exits non-zero from the command line on a failing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "check-ops-"));
    writeFileSync(join(dir, "broken.json"), "not json");
    const script = fileURLToPath(new URL("./check-ops.ts", import.meta.url));
    const result = await promisify(execFile)(process.execPath, ["--conditions=@betavae/source", "--import", "tsx", script, "--fixtures", dir]).then(
      () => ({ code: 0 }), (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));
    expect(result).toMatchObject({ code: 1, stdout: expect.stringContaining("1 FAIL") });
  });
});
