// Every op of core's OPS has a way to run on WebGPU: a shader (or a chain of them) in the
// backend's table, or COMPOSED for a fused op that runs as its description's composition.
// Needs no GPU: it reads the tables, not a device.
import { COMPOSED, OPS } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { WebGpuBackend } from "./backend";
import { MAPS } from "./shaders";

describe("the WebGPU backend's ops", () => {
  it("has an entry for every op of OPS and none besides", () => {
    expect(Object.keys(WebGpuBackend.ops).sort()).toEqual(OPS.map((op) => op.name).sort());
  });

  it("composes only ops whose description gives a composition, and runs every other one itself", () => {
    for (const op of OPS) {
      const entry = WebGpuBackend.ops[op.name];
      if (entry === COMPOSED) expect(typeof ("fallback" in op ? op.fallback : undefined), op.name).toBe("function");
      else expect(typeof entry, op.name).toBe("function");
    }
  });

  it("keys its map shaders by op names whose table entry is a shader", () => {
    for (const name of Object.keys(MAPS)) {
      const entry = WebGpuBackend.ops[name as keyof typeof WebGpuBackend.ops];
      expect(typeof entry, name).toBe("function");
    }
  });
});
