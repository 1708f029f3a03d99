import { describe, expect, it } from 'vitest';
import {
  AUGMENTATION_PRESET_NAMES,
  CONSTANT_CROP_TOLERANCE,
  createAugmentation,
  createPipeline,
  createRng,
  createTrainPipeline,
  DETERMINISTIC_STEPS,
  type DIHEDRAL_ELEMENTS,
  dihedral,
  getAugmentationPreset,
  getPreset,
  grayscale,
  type Image2D,
  imageFromData,
  inputWarnings,
  isPreprocessError,
  laplacianSharpen,
  medianFilter,
  minMaxNormalize,
  PRESET_NAMES,
  PreprocessError,
  percentileClip,
  RANDOM_STEPS,
  resize,
  restoreRng,
} from '../src/index.js';
import { firstDifference, loadRef } from './reference.js';

const code = (c: string) => expect.objectContaining({ code: c });

describe('study presets', () => {
  const input = loadRef('input');

  it('names the two study presets, the 32-px quick preset and one train augmentation preset', () => {
    expect(PRESET_NAMES).toEqual(['study-efficientnet-b4', 'study-resnet50', 'quick-32']);
    // quick-32 is the study's steps at 32 px
    expect(getPreset('quick-32').steps.slice(0, -1)).toEqual(
      getPreset('study-efficientnet-b4').steps.slice(0, -1),
    );
    expect(getPreset('quick-32').steps.at(-1)?.params).toEqual({
      height: 32,
      width: 32,
      method: 'bilinear',
      antialias: true,
    });
    expect(AUGMENTATION_PRESET_NAMES).toEqual(['study-train']);
  });

  it('study-efficientnet-b4 is grayscale -> sharpen -> median -> clip -> min-max -> 380x380, composed from the kernels', () => {
    const p = createPipeline('study-efficientnet-b4');
    const out = p.run(input);
    let want = grayscale(input);
    want = laplacianSharpen(want, { amount: 1, neighbours: 4, mode: 'reflect' });
    want = medianFilter(want, { size: 3 });
    want = percentileClip(want, { lower: 1, upper: 99 });
    want = minMaxNormalize(want);
    want = resize(want, { height: 380, width: 380, antialias: true });
    expect([out.height, out.width, out.channels]).toEqual([380, 380, 1]);
    expect(firstDifference(out.data, want.data)).toBe(-1);
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('study-resnet50 outputs 224x224 in [0, 1] and runs a batch image by image', () => {
    const p = createPipeline('study-resnet50');
    const [a, b] = p.runBatch([input, dihedral(input, 'flipHorizontal')]);
    expect([a.height, a.width]).toEqual([224, 224]);
    expect(firstDifference(b.data, dihedral(a, 'flipHorizontal').data)).toBe(-1);
  });

  it('round-trips its spec through JSON and rebuilds the same function', () => {
    const p = createPipeline('study-efficientnet-b4');
    const json = JSON.stringify(p.spec);
    const q = createPipeline(JSON.parse(json));
    expect(q.spec).toEqual(p.spec);
    expect(firstDifference(q.run(input).data, p.run(input).data)).toBe(-1);
    expect(JSON.parse(json).steps.map((s: { name: string }) => s.name)).toEqual([
      'grayscale',
      'laplacianSharpen',
      'median',
      'percentileClip',
      'minMaxNormalize',
      'resize',
    ]);
  });

  it('hands out copies: editing a returned preset changes neither the preset nor a built pipeline', () => {
    const spec = getPreset('study-resnet50');
    const p = createPipeline(spec);
    spec.steps.length = 0;
    expect(getPreset('study-resnet50').steps).toHaveLength(6);
    expect(p.spec.steps).toHaveLength(6);
  });

  it('refuses unknown presets with UNKNOWN_PRESET', () => {
    expect(() => createPipeline('study-vgg' as never)).toThrowError(code('UNKNOWN_PRESET'));
    expect(() => getAugmentationPreset('heavy' as never)).toThrowError(code('UNKNOWN_PRESET'));
  });
});

describe('train-only augmentation is enforced by the API shape', () => {
  it('a validation/test pipeline cannot contain any random step', () => {
    for (const name of RANDOM_STEPS) {
      const params =
        name === 'randomRotate'
          ? { maxDegrees: 10 }
          : name === 'randomCropScale'
            ? { height: 8, width: 8 }
            : {};
      const spec = { steps: [{ name: 'grayscale' }, { name, params }] };
      expect(() => createPipeline(spec)).toThrowError(code('RANDOM_STEP_NOT_ALLOWED'));
      try {
        createPipeline(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(PreprocessError);
        expect((e as PreprocessError).step).toBe(name);
        expect((e as Error).message).toMatch(/createAugmentation/);
      }
    }
  });

  it('an augmentation holds only random steps and needs an RNG', () => {
    expect(() => createAugmentation({ steps: [{ name: 'median' }] }, createRng(1))).toThrowError(
      code('DETERMINISTIC_STEP_IN_AUGMENTATION'),
    );
    expect(() => createAugmentation('study-train', undefined as never)).toThrowError(
      code('INVALID_PARAMETER'),
    );
    expect(new Set([...DETERMINISTIC_STEPS, ...RANDOM_STEPS]).size).toBe(
      DETERMINISTIC_STEPS.length + RANDOM_STEPS.length,
    );
  });

  it('the study train augmentation draws a dihedral element per image, reproducibly from the seed', () => {
    const img = imageFromData(
      Float32Array.from({ length: 20 }, (_, i) => i),
      { height: 4, width: 5 },
    );
    const run = (seed: number) => {
      const aug = createAugmentation('study-train', createRng(seed));
      return Array.from({ length: 64 }, () => aug.runTraced(img));
    };
    const a = run(42);
    const b = run(42);
    const c = run(43);
    expect(a.map((r) => r.trace)).toEqual(b.map((r) => r.trace));
    expect(a.map((r) => Array.from(r.image.data))).toEqual(b.map((r) => Array.from(r.image.data)));
    expect(a.map((r) => r.trace)).not.toEqual(c.map((r) => r.trace));
    const used = new Set(a.map((r) => (r.trace[0].detail as { element: string }).element));
    expect(used.size).toBe(8);
    for (const r of a) {
      const el = (r.trace[0].detail as { element: (typeof DIHEDRAL_ELEMENTS)[number] }).element;
      expect(r.image.data).toEqual(dihedral(img, el).data);
    }
  });

  it('a train pipeline = deterministic preprocessing then augmentation, resumable from the RNG state', () => {
    const input = loadRef('input');
    const rng = createRng(5);
    const aug = {
      steps: [
        { name: 'randomDihedral' },
        { name: 'randomRotate', params: { maxDegrees: 15, probability: 0.5 } },
      ],
    };
    const train = createTrainPipeline('study-resnet50', aug, rng);
    train.run(input);
    const state = JSON.parse(JSON.stringify(rng.getState()));
    const next1 = train.run(input);
    const resumed = createTrainPipeline('study-resnet50', aug, restoreRng(state));
    const next2 = resumed.run(input);
    expect(firstDifference(next2.data, next1.data)).toBe(-1);
    expect([next1.height, next1.width]).toEqual([224, 224]);
  });

  it('probability 0 never applies a step but still consumes one draw per image', () => {
    const img = imageFromData(Float32Array.from([1, 2, 3, 4]), { height: 2, width: 2 });
    const r1 = createRng(9);
    const aug = createAugmentation(
      { steps: [{ name: 'intensityJitter', params: { brightness: 5, probability: 0 } }] },
      r1,
    );
    const out = aug.runTraced(img);
    expect(out.image.data).toEqual(img.data);
    expect(out.trace).toEqual([{ step: 'intensityJitter', applied: false, detail: null }]);
    const r2 = createRng(9);
    r2.next();
    expect(r1.getState()).toEqual(r2.getState());
  });
});

describe('spec validation', () => {
  it('refuses unknown steps, unknown or ill-typed parameters and missing required ones', () => {
    expect(() => createPipeline({ steps: [{ name: 'sharpen' }] })).toThrowError(code('UNKNOWN_STEP'));
    expect(() => createPipeline({ steps: [{ name: 'median', params: { size: 7 } }] })).toThrowError(
      code('INVALID_PARAMETER'),
    );
    expect(() => createPipeline({ steps: [{ name: 'median', params: { sise: 3 } }] })).toThrowError(
      /unknown parameter 'sise'/,
    );
    expect(() => createPipeline({ steps: [{ name: 'resize', params: { height: 10 } }] })).toThrowError(
      /missing required parameter 'width'/,
    );
    expect(() => createPipeline({ steps: [{ name: 'gaussian', params: { sigma: 0 } }] })).toThrowError(
      code('INVALID_PARAMETER'),
    );
    expect(() =>
      createPipeline({ steps: [{ name: 'laplacianSharpen', params: { mode: 'symmetric' } }] }),
    ).toThrowError(code('INVALID_PARAMETER'));
    expect(() => createPipeline({ steps: 'grayscale' } as never)).toThrowError(code('INVALID_SPEC'));
    expect(() => createPipeline({ steps: [null] } as never)).toThrowError(code('INVALID_SPEC'));
  });

  it('names the failing step when a kernel refuses the image at run time', () => {
    const p = createPipeline({ steps: [{ name: 'centerCrop', params: { height: 50, width: 50 } }] });
    const img = imageFromData(new Float32Array(16), { height: 4, width: 4 });
    expect(() => p.run(img)).toThrowError(
      expect.objectContaining({ code: 'INVALID_PARAMETER', step: 'centerCrop' }),
    );
  });

  it('errors are PreprocessError instances recognised by isPreprocessError', () => {
    try {
      createPipeline({ steps: [{ name: 'nope' }] });
      expect.unreachable();
    } catch (e) {
      expect(isPreprocessError(e)).toBe(true);
      expect(isPreprocessError(new Error('x'))).toBe(false);
      expect((e as PreprocessError).name).toBe('PreprocessError');
    }
  });

  it('refuses malformed images with INVALID_SHAPE', () => {
    const p = createPipeline('study-resnet50');
    const bad = { data: new Float32Array(5), height: 2, width: 2, channels: 1 } as Image2D;
    expect(() => p.run(bad)).toThrowError(code('INVALID_SHAPE'));
    expect(() => imageFromData(new Float32Array(5), { height: 2, width: 2 })).toThrowError(
      code('INVALID_SHAPE'),
    );
  });

  it('an empty pipeline returns a copy of its input', () => {
    const img = imageFromData(Float32Array.from([1, 2]), { height: 1, width: 2 });
    const out = createPipeline({ steps: [] }).run(img);
    expect(out.data).toEqual(img.data);
    expect(out.data).not.toBe(img.data);
  });
});

describe('typed warnings of a pipeline run (CONSTANT_CROP)', () => {
  const pipe = createPipeline('study-resnet50');
  const img = (values: number[], width: number) =>
    imageFromData(Float32Array.from(values), { height: values.length / width, width, channels: 1 });

  it('warns about a constant crop and still returns the processed image', () => {
    const r = pipe.runChecked(img(new Array(24).fill(812), 4));
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: 'CONSTANT_CROP', min: 812, max: 812, std: 0 }),
    ]);
    expect(r.warnings[0]?.message).toMatch(/4x6 input is constant/);
    expect(r.image.width).toBe(224);
    expect(Array.from(r.image.data).every((v) => v === 0)).toBe(true);
  });

  it('warns about a nearly constant crop (one value off by 0.01 %), not about a real one', () => {
    const near = new Array(24).fill(1000);
    near[5] = 1000.1;
    expect(pipe.runChecked(img(near, 4)).warnings.map((w) => w.code)).toEqual(['CONSTANT_CROP']);
    const real = Array.from({ length: 24 }, (_, i) => 900 + (i % 5) * 40);
    expect(pipe.runChecked(img(real, 4)).warnings).toEqual([]);
    // the tolerance is the caller's to choose
    expect(pipe.runChecked(img(real, 4), { constantTolerance: 0.5 }).warnings).toHaveLength(1);
    expect(inputWarnings(img(near, 4), { constantTolerance: 0 })).toEqual([]);
    expect(CONSTANT_CROP_TOLERANCE).toBe(1e-3);
  });

  it('runChecked returns exactly what run returns', () => {
    const real = Array.from({ length: 24 }, (_, i) => (i * 37) % 11);
    expect(Array.from(pipe.runChecked(img(real, 4)).image.data)).toEqual(
      Array.from(pipe.run(img(real, 4)).data),
    );
  });
});
