/**
 * A seeded source of uniform numbers in [0, 1), passed explicitly to every random function: the
 * one RNG shape of op-screen (docs/conventions.md). @op-screen/preprocess's and the synthetic
 * cohort's generators have this shape too, with more methods.
 */
export interface Rng {
  next(): number;
}

/**
 * What the random functions here accept: an {@link Rng}, or (deprecated, removed in the next
 * major) a bare `() => number` as earlier versions' `createRng` returned.
 */
export type RngInput = Rng | (() => number);

/** The uniform draw of an {@link RngInput}. */
export function uniform(rng: RngInput): number {
  return typeof rng === 'function' ? rng() : rng.next();
}

/**
 * The mulberry32 generator started from a raw 32-bit `state`: the one implementation of it here.
 * {@link createRng} seeds it; `@op-screen/synth` starts it from its own documented state so that
 * its cohorts stay byte-identical.
 */
export function mulberry32(state: number): Rng {
  let a = state >>> 0;
  return {
    next: () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * Seeded PRNG (mulberry32, 32-bit state): small, fast and reproducible across platforms. Good
 * enough for resampling and fold shuffles; not for cryptography.
 */
export function createRng(seed: number): Rng {
  return mulberry32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);
}

/** Uniform integer in [0, n). */
export function randomInt(rng: RngInput, n: number): number {
  return Math.min(n - 1, Math.floor(uniform(rng) * n));
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T>(arr: T[] | Int32Array, rng: RngInput): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t as never;
  }
}

/**
 * An independent seed for a named stream, from a parent seed and a label (FNV-1a over the label,
 * started from the parent seed): the one way op-screen derives seeds (fold `T1-fold-0`, epoch
 * `epoch-3`, synthetic patient `patient-7`, ...). Pure, stable across platforms.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
