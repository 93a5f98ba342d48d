// The shared op suite on the WebGPU backend, and training parity with WASM. Without an
// adapter (no GPU, no SwiftShader) every test here is skipped and the reason is printed.
import { defineOpSuite } from "@betavae/core/testing";
import { describe, it } from "vitest";
import { testBackend } from "./test-adapter";

const webgpu = await testBackend("webgpu op suite");

if (webgpu) defineOpSuite("webgpu", async () => webgpu);
else describe.skip("ops on webgpu (no WebGPU adapter)", () => it("runs the op suite", () => {}));
