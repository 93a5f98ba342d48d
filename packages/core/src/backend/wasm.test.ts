import { relaxedSimdSupported } from "@betavae/kernels";
import { describe, expect, it } from "vitest";
import { defineOpSuite } from "../testing/op-suite";
import { WasmBackend } from "./wasm";

defineOpSuite("wasm-simd", () => WasmBackend.create({ variant: "simd" }));
defineOpSuite("wasm-relaxed", () => WasmBackend.create({ variant: "relaxed" }));

describe("WasmBackend memory", () => {
  it("runs relaxed SIMD on this runtime (Node 20 needs the flag the loader sets)", async () => {
    expect(await relaxedSimdSupported()).toBe(true);
    const be = await WasmBackend.create();
    expect(be.variant).toBe("relaxed");
    expect(be.kernels.uses_relaxed_simd()).toBe(1);
    expect((await WasmBackend.create({ variant: "simd" })).kernels.uses_relaxed_simd()).toBe(0);
  });

  it("keeps buffers intact when the memory grows, and hands out zeroed buffers", async () => {
    const be = await WasmBackend.create({ initialBytes: 1 << 20 });
    const small = be.alloc(5);
    be.write(small, [1, 2, 3, 4, 5]);
    const big = be.alloc(3 << 20); // 12 MiB: forces memory.grow
    expect(Array.from(await be.read(small))).toEqual([1, 2, 3, 4, 5]);
    expect((await be.read(big)).every((v) => v === 0)).toBe(true);
    // Scratch used by an op lands above the last buffer; a later buffer there must still start at zero.
    const x = be.alloc(64 * 64), y = be.alloc(32 * 32 * 8), f = be.alloc(16 * 8);
    be.write(x, new Float32Array(64 * 64).fill(1));
    be.write(f, new Float32Array(16 * 8).fill(1));
    be.conv2dForward(y, x, f, { batch: 1, inHeight: 64, inWidth: 64, inChannels: 1, outHeight: 32, outWidth: 32, outChannels: 8,
      kernelHeight: 4, kernelWidth: 4, stride: 2, pad: 1 });
    const after = be.alloc(100000);
    expect((await be.read(after)).every((v) => v === 0)).toBe(true);
  });

  it("rejects a write that does not fit", async () => {
    const be = await WasmBackend.create();
    const buf = be.alloc(4);
    expect(() => be.write(buf, [1, 2, 3], 2)).toThrow("write: 3 floats at offset 2 do not fit a buffer of 4");
  });
});
