import { PreprocessError } from './errors.js';

/**
 * Serialisable RNG state: the four 32-bit words of xoshiro128** (Blackman & Vigna 2018).
 * Store it in a training checkpoint and hand it to `restoreRng` to resume the exact stream.
 */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly state: readonly [number, number, number, number];
}

/** A seeded pseudo-random generator passed explicitly to every random operation. */
export interface Rng {
  /** Next raw 32-bit output as an unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  int(n: number): number;
  /** Standard normal (Box-Muller; consumes two outputs, keeps no spare so the state is the four words). */
  normal(): number;
  /** A snapshot of the state; JSON-serialisable. */
  getState(): RngState;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128ss implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(words: readonly number[]) {
    this.s0 = words[0] >>> 0;
    this.s1 = words[1] >>> 0;
    this.s2 = words[2] >>> 0;
    this.s3 = words[3] >>> 0;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new PreprocessError('INVALID_PARAMETER', `rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }

  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  getState(): RngState {
    return { algorithm: 'xoshiro128**', state: [this.s0, this.s1, this.s2, this.s3] };
  }
}

/**
 * A generator seeded from a 32-bit integer; the four state words come from splitmix32 so that
 * nearby seeds give unrelated streams and the state is never all zero.
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new PreprocessError('INVALID_PARAMETER', `seed must be an integer in [0, 2^32 - 1], got ${seed}`);
  }
  const sm = splitmix32(seed);
  return new Xoshiro128ss([sm(), sm(), sm(), sm()]);
}

/** Resumes a generator from `getState()` output (for example read back from a checkpoint). */
export function restoreRng(state: RngState): Rng {
  const words = state?.state;
  if (
    state?.algorithm !== 'xoshiro128**' ||
    !Array.isArray(words) ||
    words.length !== 4 ||
    !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) ||
    words.every((w) => w === 0)
  ) {
    throw new PreprocessError(
      'INVALID_RNG_STATE',
      'RNG state must be {algorithm: "xoshiro128**", state: four uint32 words, not all zero}; pass what getState() returned',
    );
  }
  return new Xoshiro128ss(words);
}
