import { describe, expect, it } from 'vitest';
import {
  type BorderMode,
  bilateralFilter,
  centerCrop,
  crop,
  dihedral,
  gaussianFilter,
  grayscale,
  type Image2D,
  imageFromData,
  laplacian,
  letterbox,
  medianFilter,
  normalizeChannels,
  PreprocessError,
  padToSquare,
  percentiles,
  psnr,
  replicateChannels,
  resize,
  rotate,
  ssim,
  unsharpMask,
  zScoreNormalize,
} from '../src/index.js';
import { fixture, fixtures } from './fixtures.js';
import { loadRef, maxAbsDiff } from './reference.js';

function expectClose(got: Image2D, want: Image2D, tol: number) {
  expect([got.height, got.width, got.channels]).toEqual([want.height, want.width, want.channels]);
  expect(maxAbsDiff(got, want).maxDiff).toBeLessThanOrEqual(tol);
}

const input = () => fixture('input');

describe('border modes and window sizes against SciPy (test/fixtures/kernels.json)', () => {
  // Integer-valued input: SciPy's double sums are exact, so exact agreement is expected.
  it('median 5x5 reflect and 3x3 constant(7) match scipy.ndimage.median_filter exactly', () => {
    expectClose(medianFilter(input(), { size: 5, mode: 'reflect' }), fixture('median5_reflect'), 0);
    expectClose(
      medianFilter(input(), { size: 3, mode: 'constant', cval: 7 }),
      fixture('median3_constant7'),
      0,
    );
  });

  const lapModes: Array<[BorderMode, string, number?]> = [
    ['nearest', 'laplace4_nearest'],
    ['constant', 'laplace4_constant5', 5],
    ['mirror', 'laplace4_mirror'],
    ['wrap', 'laplace4_wrap'],
  ];
  for (const [mode, name, cval] of lapModes) {
    it(`laplace with mode=${mode} matches scipy exactly`, () => {
      expectClose(laplacian(input(), { mode, cval }), fixture(name), 0);
    });
  }

  // Gaussian weights come from exp() in double; Math.exp and NumPy's exp may differ in the last
  // bit, which can flip one float32 rounding: allow 1 ulp at ~480 (3.1e-5), i.e. 1e-4.
  it('gaussian_filter with nearest/constant/mirror borders and other sigma/truncate', () => {
    expectClose(
      gaussianFilter(input(), { sigma: 2, truncate: 3, mode: 'nearest' }),
      fixture('gaussian_s2_t3_nearest'),
      1e-4,
    );
    expectClose(
      gaussianFilter(input(), { sigma: 1.5, mode: 'constant', cval: 0 }),
      fixture('gaussian_s1.5_constant0'),
      1e-4,
    );
    expectClose(
      gaussianFilter(input(), { sigma: 0.7, mode: 'mirror' }),
      fixture('gaussian_s0.7_mirror'),
      1e-4,
    );
  });

  // Rotation sums four double products and rounds once; cos/sin of non-special angles may differ
  // from scipy.special.cosdg/sindg by an ulp, so allow 1e-4 (a few float32 ulps at ~480).
  it('rotate -30 (constant 3) and 40 (nearest) match scipy.ndimage.rotate', () => {
    expectClose(rotate(input(), -30, { cval: 3 }), fixture('rotate_m30_constant3'), 1e-4);
    expectClose(rotate(input(), 40, { mode: 'nearest' }), fixture('rotate_40_nearest'), 1e-4);
  });

  // Bicubic's negative lobes make float32 partial sums cancel, so rounding-order differences
  // reach ~7 ulps (ulp(476) = 3e-5): 5e-4. Bilinear weights are positive: 2e-4.
  it('antialiased bicubic/bilinear downsizing matches torch within a few float32 ulps', () => {
    expectClose(
      resize(input(), { height: 17, width: 23, method: 'bicubic', antialias: true }),
      fixture('resize_17x23_bicubic_aa'),
      5e-4,
    );
    expectClose(
      resize(input(), { height: 17, width: 23, method: 'bilinear', antialias: true }),
      fixture('resize_17x23_bilinear_aa'),
      2e-4,
    );
  });

  // area: torch sums in float32, we in double; nearest is a pure gather (exact);
  // bicubic: see reference.test.ts (bit-exact weights, accumulation within a few ulps).
  it('area, nearest and bicubic resizing match torch', () => {
    expectClose(
      resize(input(), { height: 13, width: 12, method: 'area' }),
      fixture('resize_13x12_area'),
      2e-4,
    );
    expectClose(
      resize(input(), { height: 57, width: 50, method: 'nearest' }),
      fixture('resize_57x50_nearest'),
      0,
    );
    expectClose(
      resize(input(), { height: 57, width: 50, method: 'bicubic' }),
      fixture('resize_57x50_bicubic'),
      2e-4,
    );
  });

  it('rot90, fliplr and transpose match NumPy exactly', () => {
    expectClose(dihedral(input(), 'rot90'), fixture('rot90_k1'), 0);
    expectClose(dihedral(input(), 'rot270'), fixture('rot90_k3'), 0);
    expectClose(dihedral(input(), 'flipHorizontal'), fixture('fliplr'), 0);
    expectClose(dihedral(input(), 'transpose'), fixture('transpose'), 0);
  });

  it('z-score matches NumPy float64 statistics within float32 rounding', () => {
    expectClose(zScoreNormalize(input(), { epsilon: 0 }), fixture('zscore'), 1e-6);
  });

  it('BT.709 grayscale matches NumPy float32 rgb @ w exactly', () => {
    const rgb = loadRef('rgb_input');
    const top = imageFromData(rgb.data.slice(0, 10 * 100 * 3), { height: 10, width: 100, channels: 3 });
    expectClose(grayscale(top, { standard: 'bt709' }), fixture('grayscale_bt709_rows0_9'), 0);
  });

  it('percentiles match numpy.percentile (linear) on integer and non-integer data', () => {
    for (const [key, img] of [
      ['ofInput', input()],
      ['ofGaussian_s1.5_constant0', fixture('gaussian_s1.5_constant0')],
    ] as const) {
      const table = fixtures.percentiles[key];
      const qs = Object.keys(table).map(Number);
      const got = percentiles(img, qs);
      for (const [i, q] of qs.entries()) {
        expect(Math.abs(got[i] - table[String(q)])).toBeLessThanOrEqual(1e-9 * Math.abs(table[String(q)]));
      }
    }
  });
});

describe('kernels', () => {
  it('grayscale of a 1-channel image is an unchanged copy', () => {
    const img = input();
    const g = grayscale(img);
    expect(g.data).toEqual(img.data);
    expect(g.data).not.toBe(img.data);
  });

  it('grayscale refuses 2-channel input with UNSUPPORTED_CHANNELS', () => {
    const img = imageFromData(new Float32Array(8), { height: 2, width: 2, channels: 2 });
    expect(() => grayscale(img)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_CHANNELS' }));
  });

  it('filters a multi-channel image channel by channel', () => {
    const a = input();
    const b = dihedral(a, 'rot180');
    const rgb = new Float32Array(a.data.length * 2);
    for (let i = 0; i < a.data.length; i++) {
      rgb[2 * i] = a.data[i];
      rgb[2 * i + 1] = b.data[i];
    }
    const two = imageFromData(rgb, { height: a.height, width: a.width, channels: 2 });
    for (const k of [
      (x: Image2D) => gaussianFilter(x, { sigma: 1.2 }),
      (x: Image2D) => medianFilter(x, { size: 5 }),
      (x: Image2D) => laplacian(x, { neighbours: 8, mode: 'nearest' }),
      (x: Image2D) => resize(x, { height: 11, width: 9, antialias: true }),
      (x: Image2D) => resize(x, { height: 13, width: 17 }),
      (x: Image2D) => resize(x, { height: 29, width: 31, method: 'bicubic' }),
      (x: Image2D) => rotate(x, 12),
    ]) {
      const both = k(two);
      const ka = k(a);
      const kb = k(b);
      for (let i = 0; i < ka.data.length; i++) {
        expect(both.data[2 * i]).toBe(ka.data[i]);
        expect(both.data[2 * i + 1]).toBe(kb.data[i]);
      }
    }
  });

  it('bilateral with a huge range sigma equals the Gaussian filter', () => {
    const img = input();
    const g = gaussianFilter(img, { sigma: 1.3, truncate: 3 });
    const b = bilateralFilter(img, { sigmaSpatial: 1.3, sigmaRange: 1e9, truncate: 3 });
    expectClose(b, g, 1e-3);
  });

  it('bilateral keeps a step edge that the Gaussian blurs', () => {
    const data = new Float32Array(16 * 16);
    for (let y = 0; y < 16; y++) for (let x = 8; x < 16; x++) data[y * 16 + x] = 100;
    const img = imageFromData(data, { height: 16, width: 16 });
    const b = bilateralFilter(img, { sigmaSpatial: 2, sigmaRange: 10 });
    const g = gaussianFilter(img, { sigma: 2 });
    expect(b.data[8 * 16 + 7]).toBeLessThan(1e-6);
    expect(b.data[8 * 16 + 8]).toBeGreaterThan(100 - 1e-6);
    expect(g.data[8 * 16 + 7]).toBeGreaterThan(10);
  });

  it('unsharp mask adds back amount x the high-pass detail', () => {
    const img = input();
    const blur = gaussianFilter(img, { sigma: 1 });
    const u = unsharpMask(img, { sigma: 1, amount: 0.5 });
    for (let i = 0; i < img.data.length; i += 97) {
      expect(u.data[i]).toBeCloseTo(img.data[i] + 0.5 * (img.data[i] - blur.data[i]), 3);
    }
  });

  it('area resize by an integer factor is the block mean', () => {
    const img = imageFromData(
      Float32Array.from({ length: 36 }, (_, i) => i),
      { height: 6, width: 6 },
    );
    const a = resize(img, { height: 3, width: 2, method: 'area' });
    expect(Array.from(a.data)).toEqual([
      (0 + 1 + 2 + 6 + 7 + 8) / 6,
      (3 + 4 + 5 + 9 + 10 + 11) / 6,
      16,
      19,
      28,
      31,
    ]);
  });

  it('resize to the same size is the identity for bilinear and bicubic', () => {
    const img = input();
    expect(resize(img, { height: img.height, width: img.width }).data).toEqual(img.data);
    expect(resize(img, { height: img.height, width: img.width, method: 'bicubic' }).data).toEqual(img.data);
  });

  it('pads to a square centred and letterboxes keeping the aspect ratio', () => {
    const img = imageFromData(
      Float32Array.from({ length: 6 }, (_, i) => i + 1),
      { height: 2, width: 3 },
    );
    const p = padToSquare(img, { value: -1 });
    expect([p.top, p.left, p.image.height, p.image.width]).toEqual([0, 0, 3, 3]);
    expect(Array.from(p.image.data)).toEqual([1, 2, 3, 4, 5, 6, -1, -1, -1]);
    const lb = letterbox(input(), { size: 20 });
    expect([lb.image.height, lb.image.width, lb.top, lb.left]).toEqual([20, 20, 0, 1]);
    expect(lb.scale).toBeCloseTo(0.5);
    expect(lb.image.data[0]).toBe(0);
  });

  it('crops exactly and refuses rectangles outside the image', () => {
    const img = input();
    const c = crop(img, { top: 3, left: 4, height: 5, width: 6 });
    expect(c.data[0]).toBe(img.data[3 * img.width + 4]);
    expect(c.data[5 * 6 - 1]).toBe(img.data[7 * img.width + 9]);
    expect(centerCrop(img, 40, 36).data).toEqual(img.data);
    expect(() => crop(img, { top: 38, left: 0, height: 5, width: 5 })).toThrowError(PreprocessError);
  });

  it('replicates gray into RGB and normalises per channel', () => {
    const g = imageFromData(Float32Array.from([0, 0.5, 1, 0.25]), { height: 2, width: 2 });
    const rgb = replicateChannels(g, 3);
    expect(Array.from(rgb.data.slice(0, 6))).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    const n = normalizeChannels(rgb, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    expect(n.data[3]).toBeCloseTo((0.5 - 0.485) / 0.229, 5);
    expect(n.data[5]).toBeCloseTo((0.5 - 0.406) / 0.225, 5);
  });
});

describe('quality metrics', () => {
  // fixtures.ssim: scikit-image's algorithm written out with scipy.ndimage in float64
  // (make_fixtures.py). Both sides work in double; only summation order differs: 1e-9.
  it('SSIM matches the scikit-image algorithm (uniform 7x7 and Gaussian 1.5 windows)', () => {
    const x = input();
    const s = fixtures.ssim;
    const opts = { dataRange: s.dataRange };
    const med5 = fixture('median5_reflect');
    const blur = fixture('gaussian_s2_t3_nearest');
    expect(Math.abs(ssim(x, med5, opts) - s.uniform_vs_median5)).toBeLessThan(1e-9);
    expect(Math.abs(ssim(x, med5, { ...opts, window: 'gaussian' }) - s.gaussian_vs_median5)).toBeLessThan(
      1e-9,
    );
    expect(Math.abs(ssim(x, blur, opts) - s.uniform_vs_gaussian_s2)).toBeLessThan(1e-9);
    expect(Math.abs(ssim(x, blur, { ...opts, window: 'gaussian' }) - s.gaussian_vs_gaussian_s2)).toBeLessThan(
      1e-9,
    );
    expect(ssim(x, med5)).toBeCloseTo(s.uniform_vs_median5, 12); // default range: max - min of x
  });

  it('SSIM is 1 for identical images and symmetric', () => {
    const a = input();
    const b = medianFilter(a, { size: 5 });
    expect(ssim(a, a)).toBeCloseTo(1, 12);
    expect(ssim(a, b, { dataRange: 400 })).toBeCloseTo(ssim(b, a, { dataRange: 400 }), 12);
    expect(ssim(a, b, { window: 'gaussian' })).toBeLessThan(1);
  });

  it('SSIM of two constant images follows the closed form (2ab + C1) / (a^2 + b^2 + C1)', () => {
    const a = imageFromData(new Float32Array(20 * 20).fill(10), { height: 20, width: 20 });
    const b = imageFromData(new Float32Array(20 * 20).fill(30), { height: 20, width: 20 });
    const L = 100;
    const C1 = (0.01 * L) ** 2;
    const want = (2 * 10 * 30 + C1) / (10 * 10 + 30 * 30 + C1);
    expect(ssim(a, b, { dataRange: L })).toBeCloseTo(want, 10);
    expect(ssim(a, b, { dataRange: L, window: 'gaussian' })).toBeCloseTo(want, 6);
  });

  it('SSIM and PSNR fall as noise grows', () => {
    const a = input();
    let seed = 1;
    const noisy = (amp: number) => {
      const d = a.data.map((v) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return v + amp * (seed / 2147483648 - 0.5);
      });
      return imageFromData(d, { height: a.height, width: a.width });
    };
    const n1 = noisy(10);
    const n2 = noisy(80);
    expect(ssim(a, n1)).toBeGreaterThan(ssim(a, n2));
    expect(psnr(a, n1)).toBeGreaterThan(psnr(a, n2));
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses images of different shapes with SHAPE_MISMATCH', () => {
    const a = input();
    expect(() => psnr(a, dihedral(a, 'transpose'))).toThrowError(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
  });
});
