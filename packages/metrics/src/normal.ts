/**
 * Standard normal distribution to double precision, written here so p-values and CI half-widths
 * match R's pnorm/qnorm to ~1e-15 (the reference tolerance is 1e-9).
 */

const INV_SQRT_2PI = 0.3989422804014327;

/** Density of N(0, 1). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Upper tail Q(x) = P(Z > x) for x >= 0. Below 3 a power series of Phi(x) - 1/2 (all terms
 * positive, no cancellation); from 3 on the Laplace continued fraction of the Mills ratio
 * (modified Lentz), which keeps full relative precision deep in the tail.
 */
function upperTail(x: number): number {
  if (x < 3) {
    // Phi(x) - 1/2 = phi(x) * sum_k x^(2k+1) / (1*3*...*(2k+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 1; k < 200; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 0.5 - normalPdf(x) * sum;
  }
  // Q(x) = phi(x) / (x + 1/(x + 2/(x + 3/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = x + k * d;
    d = d === 0 ? tiny : d;
    c = x + k / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

/** Cumulative distribution function of N(0, 1). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return x >= 0 ? 1 - upperTail(x) : upperTail(-x);
}

/** Two-sided p-value of a z statistic, 2 * P(Z > |z|). */
export function twoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const a = Math.abs(z);
  return a === Number.POSITIVE_INFINITY ? 0 : Math.min(1, 2 * upperTail(a));
}

/**
 * Quantile function of N(0, 1): Abramowitz & Stegun 26.2.23 as a start, then Halley steps on the
 * accurate tail above until the change is below 1e-15.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  const upper = p > 0.5;
  const q = upper ? 1 - p : p; // tail probability, < 0.5
  const t = Math.sqrt(-2 * Math.log(q));
  let x =
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  // solve upperTail(x) = q for x > 0
  for (let it = 0; it < 50; it++) {
    const f = upperTail(x) - q;
    const step = f / -normalPdf(x); // Newton step; f' = -phi(x), f''/f' = -x
    const next = x - step / (1 + 0.5 * step * x);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) {
      x = next;
      break;
    }
    x = next;
  }
  return upper ? x : -x;
}
