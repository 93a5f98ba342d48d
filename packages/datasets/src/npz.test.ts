import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { DSprites } from "./dsprites.ts";
import { DatasetFileError } from "./errors.ts";
import { loadDspritesNpz } from "./npz-dsprites.ts";
import { int64Bytes, makeFakeNpz, makeZip64 } from "./npz-fixtures.ts";
import { encodeNpy, npyHeader, parseNpyHeader } from "./npy.ts";
import { Rng } from "@betavae/core";

const text = (s: string) => new TextEncoder().encode(s);

/** A .npy with a hand-written header (any length, version 1 or 2). */
function rawNpy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  new DataView(out.buffer).setUint32(8, header.length, true);
  if (version === 1) out[10] = out[11] = 0; // only two length bytes; the header starts at 10
  out.set(text(header), prefix);
  out.set(data, prefix + header.length);
  return out;
}

function expectFileError(fn: () => unknown, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetFileError);
  expect((err as Error).message).toMatch(message);
}

describe(".npy headers", () => {
  it("reads versions 1 and 2, keys in any order, Python 2 longs", () => {
    const h1 = parseNpyHeader(encodeNpy("<i8", [3, 6], new Uint8Array(144)));
    expect(h1).toEqual({ descr: "<i8", fortranOrder: false, shape: [3, 6], dataOffset: 128 });
    const header = "{'shape': (737280L, 64L, 64L), 'fortran_order': False, 'descr': '|u1'}\n";
    const h2 = parseNpyHeader(rawNpy(header, new Uint8Array(0), 2));
    expect(h2.shape).toEqual([737280, 64, 64]);
    expect(h2.dataOffset).toBe(12 + header.length);
    expect(parseNpyHeader(encodeNpy("<f8", [5], new Uint8Array(40))).shape).toEqual([5]);
  });

  it("pads a header to a given length, so a count rewritten in place keeps the data where it is", () => {
    const long = npyHeader("|u1", [123456, 64, 64, 3]);
    const short = npyHeader("|u1", [7, 64, 64, 3], long.length);
    expect(short.length).toBe(long.length);
    expect(parseNpyHeader(short)).toEqual({ descr: "|u1", fortranOrder: false, shape: [7, 64, 64, 3], dataOffset: long.length });
    expect(() => npyHeader("|u1", [7, 64, 64, 3], 32)).toThrow("npyHeader: 32 bytes cannot hold the header of shape (7, 64, 64, 3) padded to a multiple of 64");
    expect(() => npyHeader("|u1", [7], 130)).toThrow(/130 bytes cannot hold/);
  });

  it("explains what is wrong with a bad header", () => {
    expectFileError(() => parseNpyHeader(text("PK\x03\x04 not numpy")), /bad magic/);
    expectFileError(() => parseNpyHeader(rawNpy("{'descr': '|u1'}", new Uint8Array(0), 4)), /version 4/);
    expectFileError(() => parseNpyHeader(encodeNpy("|u1", [2], new Uint8Array(2)).subarray(0, 40)), /truncated/);
    expectFileError(() => parseNpyHeader(rawNpy("{'descr': '|u1', 'shape': (2,)}", new Uint8Array(0))), /fortran_order/);
    expectFileError(() => parseNpyHeader(rawNpy("{'descr': '|u1', 'fortran_order': Maybe, 'shape': (2,)}", new Uint8Array(0))), /malformed/);
    expectFileError(() => parseNpyHeader(rawNpy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,)}", new Uint8Array(0))), /malformed/);
  });
});

describe("loadDspritesNpz", () => {
  it("loads a subset file: the factors and pixels it stores, rendered on request", () => {
    for (const level of [6, 0] as const) {
      const fake = makeFakeNpz(40, { level });
      const ds = loadDspritesNpz(fake.bytes, { allowSubset: true });
      expect(ds.size).toBe(40);
      expect(ds.canonical).toBe(false);
      expect(ds.factors.map((f) => f.size)).toEqual([1, 3, 6, 40, 32, 32]);
      const img = new Float32Array(4096);
      for (let row = 0; row < 40; row++) {
        const f = fake.classes.subarray(row * 6, row * 6 + 6);
        expect(Array.from(ds.indexToFactors(row))).toEqual(Array.from(f));
        expect(ds.factorsToIndex(f)).toBe(row);
        ds.render(f, img);
        expect(img.every((v, i) => v === fake.images[row * 4096 + i])).toBe(true);
      }
      const batch = new Float32Array(8 * 4096), bf = new Int32Array(8 * 6);
      ds.sampleBatch(new Rng(3), 8, batch, bf);
      const gen = new DSprites(), want = new Float32Array(4096);
      for (let n = 0; n < 8; n++) {
        gen.render(bf.subarray(n * 6, n * 6 + 6), want);
        expect(batch.subarray(n * 4096, (n + 1) * 4096).every((v, i) => v === want[i])).toBe(true);
      }
      // a factor combination the file does not hold
      const stored = new Set(Array.from({ length: 40 }, (_, r) => gen.factorsToIndex(fake.classes.subarray(r * 6, r * 6 + 6))));
      let missing = 0;
      while (stored.has(missing)) missing++;
      expect(() => ds.render(gen.indexToFactors(missing), img)).toThrow(/holds no image with factors/);
    }
  });

  it("reads zip64 archives (as Python writes entries over 2 GiB, like the real imgs.npy)", () => {
    const fake = makeFakeNpz(6, { seed: 5 });
    const bytes = makeZip64([
      { name: "latents_classes.npy", data: encodeNpy("<i8", [6, 6], int64Bytes(fake.classes)) },
      { name: "imgs.npy", data: encodeNpy("|u1", [6, 64, 64], fake.images) },
    ]);
    const ds = loadDspritesNpz(bytes, { allowSubset: true });
    const img = new Float32Array(4096);
    for (let row = 0; row < 6; row++) {
      ds.copyImage(row, img);
      expect(img.every((v, i) => v === fake.images[row * 4096 + i])).toBe(true);
    }
    const corrupt = bytes.slice();
    corrupt[200] ^= 0x10; // inside the stored latents_classes data
    expectFileError(() => loadDspritesNpz(corrupt, { allowSubset: true }), /latents_classes\.npy/);
  });

  it("handles int32 classes and elements split across stream chunks", () => {
    const fake = makeFakeNpz(1500, { seed: 2 });
    const ds = new DSprites();
    // header of 61 bytes: the data starts at an odd offset, so int64 elements straddle 64 KiB chunks
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1500, 6)}\n";
    for (const level of [0, 6] as const) {
      const bytes = zipSync({
        "imgs.npy": [encodeNpy("|u1", [1500, 64, 64], fake.images), { level: 6 }],
        "latents_classes.npy": [rawNpy(header, int64Bytes(fake.classes)), { level }],
      });
      const loaded = loadDspritesNpz(bytes, { allowSubset: true });
      for (let row = 0; row < 1500; row += 97) expect(Array.from(loaded.indexToFactors(row))).toEqual(Array.from(fake.classes.subarray(row * 6, row * 6 + 6)));
    }
    const i4 = new Uint8Array(new Int32Array(fake.classes).buffer);
    const bytes = zipSync({ "imgs.npy": encodeNpy("|u1", [1500, 64, 64], fake.images), "latents_classes.npy": encodeNpy("<i4", [1500, 6], i4) });
    expect(loadDspritesNpz(bytes, { allowSubset: true }).factorsToIndex(fake.classes.subarray(6, 12))).toBe(1);
    expect(ds.size).toBe(737280);
  });

  it("refuses a subset unless asked, and files that are not dSprites, with a clear error", () => {
    const fake = makeFakeNpz(5);
    expectFileError(() => loadDspritesNpz(fake.bytes), /lists 5 images, dSprites has 737280 \(pass allowSubset/);
    expectFileError(() => loadDspritesNpz(text("hello, I am not a zip file at all")), /not a readable \.npz/);
    expectFileError(() => loadDspritesNpz(fake.bytes.subarray(0, fake.bytes.length - 30)), /not a readable \.npz/);
    expectFileError(() => loadDspritesNpz(zipSync({ "x.npy": encodeNpy("<f8", [1], new Uint8Array(8)) })), /no latents_classes\.npy \(entries: x\.npy\)/);

    const classes = int64Bytes(fake.classes);
    const with_ = (imgs: Uint8Array, cls: Uint8Array = encodeNpy("<i8", [5, 6], classes)) => zipSync({ "imgs.npy": imgs, "latents_classes.npy": cls });
    const imgs = encodeNpy("|u1", [5, 64, 64], fake.images);
    expectFileError(() => loadDspritesNpz(with_(encodeNpy("<f4", [5, 64, 64], new Uint8Array(5 * 4096 * 4))), { allowSubset: true }), /dtype <f4, expected uint8/);
    expectFileError(() => loadDspritesNpz(with_(encodeNpy("|u1", [4, 64, 64], fake.images.subarray(0, 4 * 4096))), { allowSubset: true }), /holds 4 images but latents_classes lists 5/);
    expectFileError(() => loadDspritesNpz(with_(encodeNpy("|u1", [5, 32, 128], fake.images)), { allowSubset: true }), /shape \(5, 32, 128\), expected \(N, 64, 64\)/);
    expectFileError(() => loadDspritesNpz(with_(imgs, encodeNpy("<i8", [6, 5], classes)), { allowSubset: true }), /shape \(6, 5\), expected \(N, 6\)/);
    const grey = fake.images.slice();
    grey[100] = 255;
    expectFileError(() => loadDspritesNpz(with_(encodeNpy("|u1", [5, 64, 64], grey)), { allowSubset: true }), /pixel 100 has value 255/);
    const bad = fake.classes.slice();
    bad[6 + 1] = 3; // shape 3 does not exist
    expectFileError(() => loadDspritesNpz(with_(imgs, encodeNpy("<i8", [5, 6], int64Bytes(bad))), { allowSubset: true }), /row 1 column 1 is 3, dSprites allows 0 … 2/);
    const dup = fake.classes.slice();
    dup.copyWithin(6, 0, 6);
    expectFileError(() => loadDspritesNpz(with_(imgs, encodeNpy("<i8", [5, 6], int64Bytes(dup))), { allowSubset: true }), /rows 0 and 1 hold the same factors/);
    const short = encodeNpy("|u1", [5, 64, 64], fake.images).subarray(0, 128 + 3 * 4096);
    expectFileError(() => loadDspritesNpz(with_(short), { allowSubset: true }), /truncated: 12288 of 20480/);
  });
});
