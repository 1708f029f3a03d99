/**
 * Counter-based seeding: every random stream of a training run (dropout and stochastic-depth
 * masks of one shard of one step) is derived from (seed, step, shard) by a hash, so the "RNG
 * state" to checkpoint is just the seed and the global step, and a resumed run draws exactly
 * the masks the uninterrupted run would have drawn.
 */
export function mix32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `fn` with `Math.random` replaced by a PRNG seeded with `seed`. tfjs draws the seed of
 * every unseeded random op (Dropout, unseeded StochasticDepth) from Math.random, so this makes
 * a synchronous training step reproducible without touching the layers.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
