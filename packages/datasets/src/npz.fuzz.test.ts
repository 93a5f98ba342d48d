/**
 * Fuzzing the .npz / .npy / zip parsers: random bytes and mutated valid files must either load
 * or fail with a DatasetFileError — never another exception, never a hang. Seeded, so a
 * failure reproduces; the case that failed is named in the message.
 */
import { describe, expect, it } from "vitest";
import { DatasetFileError } from "./errors.ts";
import { loadDspritesNpz } from "./npz-dsprites.ts";
import { makeFakeNpz } from "./npz-fixtures.ts";
import { parseNpyHeader } from "./npy.ts";
import { Rng } from "@betavae/core";

const PER_CASE_MS = 1000;

function run(bytes: Uint8Array, label: string, parse: (b: Uint8Array) => unknown): string | undefined {
  const t0 = performance.now();
  let problem: string | undefined;
  try {
    parse(bytes);
  } catch (err) {
    if (!(err instanceof DatasetFileError)) problem = `${label}: ${String(err)}`;
    else if (!err.message) problem = `${label}: empty error message`;
  }
  const ms = performance.now() - t0;
  if (ms > PER_CASE_MS) problem = `${label}: took ${ms.toFixed(0)} ms`;
  return problem;
}

function mutate(rng: Rng, base: Uint8Array, hotspots: number[]): { bytes: Uint8Array; how: string } {
  const kind = rng.int(6);
  const b = base.slice();
  switch (kind) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[rng.int(b.length)] ^= 1 << rng.int(8);
      return { bytes: b, how: `${n} bit flips` };
    }
    case 1: {
      const len = rng.int(base.length);
      return { bytes: base.slice(0, len), how: `truncated to ${len}` };
    }
    case 2: {
      // overwrite bytes in or near a .npy header or a zip record
      const at = Math.max(0, Math.min(b.length - 1, hotspots[rng.int(hotspots.length)] + rng.int(80)));
      const n = 1 + rng.int(4);
      for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = rng.int(256);
      return { bytes: b, how: `${n} random bytes at ${at}` };
    }
    case 3: {
      // edit a digit or keyword of a .npy header
      const at = Math.max(0, Math.min(b.length - 1, hotspots[rng.int(hotspots.length)] + rng.int(80)));
      const chars = "0123456789(),:'TF{} L<>|";
      b[at] = chars.charCodeAt(rng.int(chars.length));
      return { bytes: b, how: `header char at ${at}` };
    }
    case 4: {
      const at = rng.int(b.length), len = 1 + rng.int(64);
      const out = new Uint8Array(b.length - Math.min(len, b.length - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + len), at);
      return { bytes: out, how: `deleted ${len} at ${at}` };
    }
    default: {
      const at = rng.int(b.length), len = 1 + rng.int(64);
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, at));
      for (let i = 0; i < len; i++) out[at + i] = rng.int(256);
      out.set(b.subarray(at), at + len);
      return { bytes: out, how: `inserted ${len} at ${at}` };
    }
  }
}

/** Offsets of .npy magic strings and zip signatures: where edits hurt most. */
function hotspotsOf(bytes: Uint8Array): number[] {
  const spots: number[] = [0, Math.max(0, bytes.length - 22)];
  for (let i = 0; i + 4 < bytes.length; i++) {
    if (bytes[i] === 0x93 && bytes[i + 1] === 0x4e && bytes[i + 2] === 0x55) spots.push(i);
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] < 8) spots.push(i);
  }
  return spots;
}

describe("fuzzing the .npz loader", () => {
  it("turns random bytes into a DatasetFileError", () => {
    const rng = new Rng(2024);
    const problems: string[] = [];
    for (let c = 0; c < 400; c++) {
      const len = rng.int(c < 200 ? 64 : 4096);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rng.int(256);
      // some start like a zip, some end like one, some look like a .npy
      if (c % 4 === 1 && len >= 4) bytes.set([0x50, 0x4b, 0x03, 0x04]);
      if (c % 4 === 2 && len >= 22) bytes.set([0x50, 0x4b, 0x05, 0x06], len - 22);
      if (c % 4 === 3 && len >= 8) bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const p = run(bytes, `random case ${c}`, (b) => loadDspritesNpz(b, { allowSubset: true }));
      if (p) problems.push(p);
      const q = run(bytes, `random npy case ${c}`, (b) => parseNpyHeader(b));
      if (q) problems.push(q);
    }
    expect(problems).toEqual([]);
  });

  it("turns mutated valid files into a DatasetFileError or a correct load", () => {
    const rng = new Rng(7);
    const problems: string[] = [];
    let loaded = 0;
    for (const level of [0, 6] as const) {
      const base = makeFakeNpz(3, { level }).bytes;
      const spots = hotspotsOf(base);
      for (let c = 0; c < 600; c++) {
        const { bytes, how } = mutate(rng, base, spots);
        const p = run(bytes, `level ${level} case ${c} (${how})`, (b) => {
          const ds = loadDspritesNpz(b, { allowSubset: true });
          // a file that loads must be usable
          const img = new Float32Array(4096);
          for (let r = 0; r < ds.size; r++) ds.render(ds.indexToFactors(r), img);
          loaded++;
        });
        if (p) problems.push(p);
      }
    }
    expect(problems).toEqual([]);
    expect(loaded).toBeGreaterThan(0); // some mutations (e.g. in latents_values) leave a valid file
  });
});
