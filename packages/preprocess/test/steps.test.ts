import { describe, expect, it } from 'vitest';
import {
  bilateralFilter,
  centerCrop,
  clip,
  createAugmentation,
  createPipeline,
  createRng,
  DETERMINISTIC_STEPS,
  dihedral,
  gaussianFilter,
  grayscale,
  type Image2D,
  intensityJitter,
  laplacianSharpen,
  letterbox,
  medianFilter,
  minMaxNormalize,
  normalizeChannels,
  padToSquare,
  percentileClip,
  RANDOM_STEPS,
  randomCropScale,
  randomDihedral,
  randomRotate,
  replicateChannels,
  resize,
  rotate,
  unsharpMask,
  zScoreNormalize,
} from '../src/index.js';
import { fixture } from './fixtures.js';
import { firstDifference } from './reference.js';

// Each registered step, run through a pipeline, must equal the kernel called directly with the
// same parameters: catches a step wired to the wrong kernel or dropping a parameter.
const deterministic: Record<string, { params: Record<string, unknown>; direct: (img: Image2D) => Image2D }> =
  {
    grayscale: { params: { standard: 'bt709' }, direct: (i) => grayscale(i, { standard: 'bt709' }) },
    replicateChannels: { params: { channels: 2 }, direct: (i) => replicateChannels(i, 2) },
    laplacianSharpen: {
      params: { amount: 0.5, neighbours: 8, mode: 'nearest' },
      direct: (i) => laplacianSharpen(i, { amount: 0.5, neighbours: 8, mode: 'nearest' }),
    },
    unsharpMask: {
      params: { sigma: 1.5, amount: 2, truncate: 3, mode: 'mirror' },
      direct: (i) => unsharpMask(i, { sigma: 1.5, amount: 2, truncate: 3, mode: 'mirror' }),
    },
    median: {
      params: { size: 5, mode: 'constant', cval: 9 },
      direct: (i) => medianFilter(i, { size: 5, mode: 'constant', cval: 9 }),
    },
    gaussian: {
      params: { sigma: 0.9, mode: 'wrap' },
      direct: (i) => gaussianFilter(i, { sigma: 0.9, mode: 'wrap' }),
    },
    bilateral: {
      params: { sigmaSpatial: 1, sigmaRange: 30 },
      direct: (i) => bilateralFilter(i, { sigmaSpatial: 1, sigmaRange: 30 }),
    },
    percentileClip: {
      params: { lower: 5, upper: 95 },
      direct: (i) => percentileClip(i, { lower: 5, upper: 95 }),
    },
    clip: { params: { lo: 200, hi: 400 }, direct: (i) => clip(i, 200, 400) },
    minMaxNormalize: { params: {}, direct: (i) => minMaxNormalize(i) },
    zScoreNormalize: { params: { epsilon: 0.5 }, direct: (i) => zScoreNormalize(i, { epsilon: 0.5 }) },
    normalizeChannels: {
      params: { mean: [100], std: [50] },
      direct: (i) => normalizeChannels(i, [100], [50]),
    },
    resize: {
      params: { height: 20, width: 30, method: 'bicubic', antialias: true },
      direct: (i) => resize(i, { height: 20, width: 30, method: 'bicubic', antialias: true }),
    },
    letterbox: {
      params: { size: 25, method: 'area', value: 1 },
      direct: (i) => letterbox(i, { size: 25, method: 'area', value: 1 }).image,
    },
    padToSquare: { params: { value: -3 }, direct: (i) => padToSquare(i, { value: -3 }).image },
    centerCrop: { params: { height: 10, width: 7 }, direct: (i) => centerCrop(i, 10, 7) },
    dihedral: { params: { element: 'antiTranspose' }, direct: (i) => dihedral(i, 'antiTranspose') },
    rotate: {
      params: { degrees: -12, cval: 5, mode: 'constant' },
      direct: (i) => rotate(i, -12, { cval: 5, mode: 'constant' }),
    },
  };

const random: Record<
  string,
  { params: Record<string, unknown>; direct: (img: Image2D, rng: ReturnType<typeof createRng>) => Image2D }
> = {
  randomDihedral: { params: {}, direct: (i, r) => randomDihedral(i, r).image },
  randomRotate: {
    params: { maxDegrees: 20, cval: 1 },
    direct: (i, r) => randomRotate(i, r, { maxDegrees: 20, cval: 1 }).image,
  },
  randomCropScale: {
    params: { height: 16, width: 16, minScale: 0.5, maxScale: 0.9, method: 'bilinear' },
    direct: (i, r) =>
      randomCropScale(i, r, { height: 16, width: 16, minScale: 0.5, maxScale: 0.9, method: 'bilinear' })
        .image,
  },
  intensityJitter: {
    params: { brightness: 10, contrast: 0.3 },
    direct: (i, r) => intensityJitter(i, r, { brightness: 10, contrast: 0.3 }),
  },
};

describe('every registered step runs its kernel with its parameters', () => {
  const img = fixture('input');

  it('the tables here cover every registered step', () => {
    expect(Object.keys(deterministic).sort()).toEqual([...DETERMINISTIC_STEPS].sort());
    expect(Object.keys(random).sort()).toEqual([...RANDOM_STEPS].sort());
  });

  for (const [name, c] of Object.entries(deterministic)) {
    it(`pipeline step '${name}' equals the direct call`, () => {
      const got = createPipeline({ steps: [{ name, params: c.params }] }).run(img);
      const want = c.direct(img);
      expect([got.height, got.width, got.channels]).toEqual([want.height, want.width, want.channels]);
      expect(firstDifference(got.data, want.data)).toBe(-1);
    });
  }

  for (const [name, c] of Object.entries(random)) {
    it(`augmentation step '${name}' equals the direct call after the probability draw`, () => {
      const got = createAugmentation({ steps: [{ name, params: c.params }] }, createRng(11)).run(img);
      const rng = createRng(11);
      rng.next(); // the step's probability draw
      const want = c.direct(img, rng);
      expect(firstDifference(got.data, want.data)).toBe(-1);
    });
  }
});

describe('imageFromSlice', () => {
  it('wraps an mri-io Slice2D (rows x columns) as a one-channel Image2D without copying', async () => {
    const { imageFromSlice } = await import('../src/index.js');
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const img = imageFromSlice({ data, rows: 2, columns: 3 });
    expect([img.height, img.width, img.channels]).toEqual([2, 3, 1]);
    expect(img.data).toBe(data);
    expect(() => imageFromSlice({ data, rows: 4, columns: 3 })).toThrow(/6 values but 4x3x1 needs 12/);
  });
});
