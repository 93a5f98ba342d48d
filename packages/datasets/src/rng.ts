/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna), 128 bits of state held as
 * four uint32 words. The whole state is `state()` (four numbers), so a resumed run that
 * restores it continues the same stream bit for bit. Only integer ops (Math.imul, shifts)
 * touch the state, so every JavaScript engine produces the same sequence.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seed: any integer in [0, 2^53) (or a negative one); equal seeds give equal streams. */
  constructor(seed = 0) {
    if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
      throw new RangeError(`Rng seed must be an integer, got ${seed}`);
    }
    // splitmix32 over the low and high words spreads any seed over the 128-bit state.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let x = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix() ^ hi;
    this.s2 = mix();
    this.s3 = mix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator continuing from a saved `state()`. */
  static fromState(state: readonly number[]): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** The full state: four uint32 words. JSON-safe. */
  state(): number[] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError("Rng state must be four uint32 words");
    }
    if ((state[0] | state[1] | state[2] | state[3]) === 0) {
      throw new RangeError("Rng state must not be all zeros");
    }
    this.s0 = state[0] >>> 0;
    this.s1 = state[1] >>> 0;
    this.s2 = state[2] >>> 0;
    this.s3 = state[3] >>> 0;
  }

  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /** Next uint32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); n in [1, 2^32]. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) {
      throw new RangeError(`Rng.int needs an integer bound in [1, 2^32], got ${n}`);
    }
    if (n === 4294967296) return this.nextU32();
    const limit = 4294967296 - (4294967296 % n); // largest multiple of n that fits
    let u = this.nextU32();
    while (u >= limit) u = this.nextU32();
    return u % n;
  }

  /** Standard normal (Box–Muller; two uniforms per call, no cached spare, so state() is all there is). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fills `out` with standard normals. */
  fillNormal(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
