import { describe, expect, it } from 'vitest';
import {
  gaussianFilter,
  grayscale,
  type Image2D,
  laplacian,
  laplacianSharpen,
  medianFilter,
  minMaxNormalize,
  percentileClip,
  percentiles,
  psnr,
  resize,
  rotate,
} from '../src/index.js';
import { loadRef, maxAbsDiff, reference } from './reference.js';

/**
 * Every array in ../shared/data/preprocess/reference.json, reproduced from its input by the
 * matching kernel. Tolerances are absolute, per kernel, with the reason:
 *
 * - exact (0): integer-valued input, so SciPy's double sums are exact and NumPy's float32
 *   arithmetic is replayed step by step (grayscale, Laplacians, sharpening, median, clip,
 *   min-max, rotation, Gaussian whose double sums round to the same float32).
 * - torch bilinear without antialias: exact. torch 1.13 (x86) keeps the source coordinate in
 *   double, rounds the fraction to float32, forms float32 weight products wy * wx and sums the
 *   four terms in double; the kernel replays exactly that.
 * - torch bicubic without antialias: 2e-4, about 6 float32 ulps at ~540 (ulp 3.1e-5). The
 *   weights are bit-exact (fused multiply-adds replayed); the 16-term accumulation order of
 *   torch's vectorised loop is not fully known, which leaves up to 3 ulps.
 * - torch antialiased bilinear: 2e-4, i.e. a few float32 ulps (ulp(445) = 3e-5): the weights
 *   are normalised in float32 and summed over up to 5 taps per axis.
 */
const cases: Array<{ name: string; tol: number; run: (input: Image2D, rgb: Image2D) => Image2D }> = [
  { name: 'grayscale_bt601', tol: 0, run: (_i, rgb) => grayscale(rgb) },
  { name: 'laplace4_reflect', tol: 0, run: (i) => laplacian(i, { neighbours: 4, mode: 'reflect' }) },
  { name: 'laplace8_reflect', tol: 0, run: (i) => laplacian(i, { neighbours: 8, mode: 'reflect' }) },
  { name: 'sharpen_laplace4_k1', tol: 0, run: (i) => laplacianSharpen(i, { amount: 1 }) },
  { name: 'median3_reflect', tol: 0, run: (i) => medianFilter(i, { size: 3, mode: 'reflect' }) },
  {
    name: 'gaussian_s1_reflect',
    tol: 0,
    run: (i) => gaussianFilter(i, { sigma: 1, truncate: 4, mode: 'reflect' }),
  },
  { name: 'clip_p1_p99', tol: 0, run: (i) => percentileClip(i, { lower: 1, upper: 99 }) },
  { name: 'minmax01', tol: 0, run: (i) => minMaxNormalize(i) },
  {
    name: 'resize380_bilinear',
    tol: 0,
    run: (i) => resize(i, { height: 380, width: 380, method: 'bilinear' }),
  },
  {
    name: 'resize224_bilinear',
    tol: 0,
    run: (i) => resize(i, { height: 224, width: 224, method: 'bilinear' }),
  },
  {
    name: 'resize112_bilinear_antialias',
    tol: 2e-4,
    run: (i) => resize(i, { height: 112, width: 112, method: 'bilinear', antialias: true }),
  },
  {
    name: 'resize380_bicubic',
    tol: 2e-4,
    run: (i) => resize(i, { height: 380, width: 380, method: 'bicubic' }),
  },
  { name: 'rotate15_bilinear_constant0', tol: 0, run: (i) => rotate(i, 15, { cval: 0 }) },
];

describe('reproduces ../shared/data/preprocess (SciPy 1.10 / NumPy 1.24 / torch 1.13)', () => {
  const input = loadRef('input');
  const rgb = loadRef('rgb_input');

  it('covers every array in reference.json', () => {
    const covered = new Set(['input', 'rgb_input', ...cases.map((c) => c.name)]);
    expect(Object.keys(reference.arrays).filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.name} within ${c.tol} (${reference.arrays[c.name].how})`, () => {
      const want = loadRef(c.name);
      const got = c.run(input, rgb);
      expect([got.height, got.width, got.channels]).toEqual([want.height, want.width, want.channels]);
      const { maxDiff } = maxAbsDiff(got, want);
      expect(maxDiff).toBeLessThanOrEqual(c.tol);
      let sum = 0;
      for (const v of got.data) sum += v;
      expect(Math.abs(sum - reference.arrays[c.name].sum)).toBeLessThanOrEqual(
        Math.max(c.tol, 1e-3) * got.data.length,
      );
    });
  }

  it('matches the PSNR scalar of input vs its 3x3 median within 1e-6 dB', () => {
    // NumPy takes the MSE with float32 pairwise summation, we sum in double: ~1e-7 relative.
    const got = psnr(input, loadRef('median3_reflect'));
    expect(Math.abs(got - (reference.scalars.psnr_input_vs_median3 as number))).toBeLessThan(1e-6);
  });

  it('matches NumPy percentile(img, [1, 99]) exactly', () => {
    expect(percentiles(input, [1, 99])).toEqual([
      reference.scalars.percentile1,
      reference.scalars.percentile99,
    ]);
  });

  it('does not modify the reference input', () => {
    const before = loadRef('input').data;
    const img = loadRef('input');
    for (const c of cases) c.run(img, rgb);
    expect(Buffer.compare(Buffer.from(img.data.buffer), Buffer.from(before.buffer))).toBe(0);
  });
});
