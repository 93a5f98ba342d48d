// The one seeded generator behind everything random in training (initialisation, ε of the
// reparameterisation): xoshiro128** with a Box–Muller normal. Its whole state is four
// 32-bit words plus the cached second normal, so a checkpoint can store it and a resumed
// run continues the very same stream.

export interface RngState {
  s: [number, number, number, number];
  /** the second normal of the last Box–Muller pair, if not yet used */
  spare: number | null;
}

export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Starts the stream of `seed` afresh, as `new Rng(seed)` would (without allocating). */
  reseed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // splitmix32 spreads any seed (0 included) over the four state words
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spare = null;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the pair's second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  fillNormal(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }

  fillUniform(out: Float32Array, lo: number, hi: number): void {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.next();
  }

  getState(): RngState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spare };
  }

  setState(state: RngState): void {
    if (!Array.isArray(state?.s) || state.s.length !== 4 || !state.s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
      throw new RangeError("rng state must hold four unsigned 32-bit words");
    }
    if (state.s.every((w) => w === 0)) throw new RangeError("rng state must not be all zeros");
    if (state.spare !== null && typeof state.spare !== "number") throw new RangeError("rng spare must be a number or null");
    this.s.set(state.s);
    this.spare = state.spare;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
