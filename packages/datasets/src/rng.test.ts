import { describe, expect, it } from "vitest";
import { Rng } from "./rng.ts";

describe("Rng", () => {
  it("is xoshiro128** (reference output of the C implementation from state 1, 2, 3, 4)", () => {
    const r = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => r.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it("gives equal streams for equal seeds and different ones otherwise", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43), d = new Rng(42 + 2 ** 32);
    const take = (r: Rng) => Array.from({ length: 8 }, () => r.nextU32());
    const sa = take(a);
    expect(take(b)).toEqual(sa);
    expect(take(c)).not.toEqual(sa);
    expect(take(d)).not.toEqual(sa); // the high word of the seed counts too
  });

  it("continues bit for bit from a saved state", () => {
    const r = new Rng(7);
    for (let i = 0; i < 100; i++) r.next();
    const saved = JSON.parse(JSON.stringify(r.state())) as number[];
    const expected = [r.next(), r.normal(), r.int(10), r.uniform(0.5, 1)];
    const resumed = Rng.fromState(saved);
    expect([resumed.next(), resumed.normal(), resumed.int(10), resumed.uniform(0.5, 1)]).toEqual(expected);
  });

  it("draws unbiased integers and plausible normals", () => {
    const r = new Rng(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    let m = 0, v = 0;
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      m += x;
      v += x * x;
    }
    expect(Math.abs(m / n)).toBeLessThan(0.02);
    expect(Math.abs(v / n - 1)).toBeLessThan(0.03);
  });

  it("rejects bad seeds and states", () => {
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(RangeError);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(RangeError);
    expect(() => new Rng(0).int(0)).toThrow(RangeError);
  });
});
