/**
 * Small seeded PRNG (mulberry32) with Gaussian draws (Box-Muller): @op-screen/metrics' `Rng`
 * extended with `normal` and `int`. The synthetic cohort must be bit-identical for a given seed on
 * every machine, so it does not use Math.random. Streams are derived with metrics' `deriveSeed`.
 */
import { mulberry32 } from '@op-screen/metrics';

export { deriveSeed } from '@op-screen/metrics';
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * The cohort's generator: metrics' mulberry32 started from the seed itself (0 replaced by the
 * golden-ratio constant), the state every cohort since version 1 was drawn from.
 */
export function createRng(seed: number): Rng {
  const uniform = mulberry32(seed >>> 0 || 0x9e3779b9);
  let spare: number | undefined;
  const next = (): number => uniform.next();
  return {
    next,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number) {
      return Math.floor(next() * n);
    },
  };
}
