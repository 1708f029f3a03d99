import { BORDER_MODES, type BorderMode } from './border.js';
import { grayscale, replicateChannels } from './color.js';
import { PreprocessError } from './errors.js';
import { bilateralFilter, gaussianFilter, laplacianSharpen, medianFilter, unsharpMask } from './filters.js';
import {
  centerCrop,
  DIHEDRAL_ELEMENTS,
  type Dihedral,
  dihedral,
  letterbox,
  padToSquare,
  randomCropScale,
  randomDihedral,
  randomRotate,
  rotate,
} from './geometry.js';
import { assertImage, type Image2D } from './image.js';
import {
  clip,
  intensityJitter,
  minMaxNormalize,
  normalizeChannels,
  percentileClip,
  zScoreNormalize,
} from './intensity.js';
import { RESIZE_METHODS, type ResizeMethod, resize } from './resize.js';
import type { Rng } from './rng.js';
import { type CheckOptions, inputWarnings, type PipelineWarning } from './warnings.js';

/** One step: a registered name and its JSON parameters. */
export interface StepSpec {
  name: string;
  params?: Record<string, unknown>;
}

/** A deterministic preprocessing pipeline (validation, test and inference; also before augmentation). */
export interface PipelineSpec {
  name?: string;
  steps: StepSpec[];
}

/** A train-only augmentation: random steps only, applied after the preprocessing pipeline. */
export interface AugmentationSpec {
  name?: string;
  steps: StepSpec[];
}

type ParamType =
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly (string | number)[] }
  | { kind: 'numbers' };

interface ParamDef {
  type: ParamType;
  required?: boolean;
}

type Params = Record<string, any>;

interface DeterministicStep {
  random: false;
  params: Record<string, ParamDef>;
  run(img: Image2D, p: Params): Image2D;
}

interface RandomStep {
  random: true;
  params: Record<string, ParamDef>;
  run(img: Image2D, p: Params, rng: Rng): { image: Image2D; detail: unknown };
}

const num = (min?: number, max?: number, exclusiveMin = false): ParamDef => ({
  type: { kind: 'number', min, max, exclusiveMin },
});
const int = (min?: number, max?: number): ParamDef => ({ type: { kind: 'integer', min, max } });
const req = (d: ParamDef): ParamDef => ({ ...d, required: true });
const oneOf = (values: readonly (string | number)[]): ParamDef => ({ type: { kind: 'enum', values } });
const bool: ParamDef = { type: { kind: 'boolean' } };
const mode = oneOf(BORDER_MODES);
const probability = num(0, 1);

const DETERMINISTIC: Record<string, DeterministicStep> = {
  grayscale: {
    random: false,
    params: { standard: oneOf(['bt601', 'bt709']) },
    run: (img, p) => grayscale(img, p),
  },
  replicateChannels: {
    random: false,
    params: { channels: int(1, 64) },
    run: (img, p) => replicateChannels(img, p.channels ?? 3),
  },
  laplacianSharpen: {
    random: false,
    params: { amount: num(), neighbours: oneOf([4, 8]), mode, cval: num() },
    run: (img, p) => laplacianSharpen(img, p),
  },
  unsharpMask: {
    random: false,
    params: {
      sigma: req(num(0, undefined, true)),
      truncate: num(0, undefined, true),
      amount: num(),
      mode,
      cval: num(),
    },
    run: (img, p) => unsharpMask(img, p as any),
  },
  median: {
    random: false,
    params: { size: oneOf([3, 5]), mode, cval: num() },
    run: (img, p) => medianFilter(img, p),
  },
  gaussian: {
    random: false,
    params: { sigma: req(num(0, undefined, true)), truncate: num(0, undefined, true), mode, cval: num() },
    run: (img, p) => gaussianFilter(img, p as any),
  },
  bilateral: {
    random: false,
    params: {
      sigmaSpatial: req(num(0, undefined, true)),
      sigmaRange: req(num(0, undefined, true)),
      truncate: num(0, undefined, true),
      mode,
      cval: num(),
    },
    run: (img, p) => bilateralFilter(img, p as any),
  },
  percentileClip: {
    random: false,
    params: { lower: num(0, 100), upper: num(0, 100) },
    run: (img, p) => percentileClip(img, p),
  },
  clip: {
    random: false,
    params: { lo: req(num()), hi: req(num()) },
    run: (img, p) => clip(img, p.lo, p.hi),
  },
  minMaxNormalize: { random: false, params: {}, run: (img) => minMaxNormalize(img) },
  zScoreNormalize: { random: false, params: { epsilon: num(0) }, run: (img, p) => zScoreNormalize(img, p) },
  normalizeChannels: {
    random: false,
    params: { mean: req({ type: { kind: 'numbers' } }), std: req({ type: { kind: 'numbers' } }) },
    run: (img, p) => normalizeChannels(img, p.mean, p.std),
  },
  resize: {
    random: false,
    params: { height: req(int(1)), width: req(int(1)), method: oneOf(RESIZE_METHODS), antialias: bool },
    run: (img, p) => resize(img, p as any),
  },
  letterbox: {
    random: false,
    params: { size: req(int(1)), method: oneOf(RESIZE_METHODS), antialias: bool, value: num() },
    run: (img, p) => letterbox(img, p as any).image,
  },
  padToSquare: { random: false, params: { value: num() }, run: (img, p) => padToSquare(img, p).image },
  centerCrop: {
    random: false,
    params: { height: req(int(1)), width: req(int(1)) },
    run: (img, p) => centerCrop(img, p.height, p.width),
  },
  dihedral: {
    random: false,
    params: { element: req(oneOf(DIHEDRAL_ELEMENTS)) },
    run: (img, p) => dihedral(img, p.element as Dihedral),
  },
  rotate: {
    random: false,
    params: { degrees: req(num()), cval: num(), mode: oneOf(['constant', 'nearest']) },
    run: (img, p) => rotate(img, p.degrees, p),
  },
};

const RANDOM: Record<string, RandomStep> = {
  randomDihedral: {
    random: true,
    params: { probability },
    run: (img, _p, rng) => {
      const r = randomDihedral(img, rng);
      return { image: r.image, detail: { element: r.element } };
    },
  },
  randomRotate: {
    random: true,
    params: { maxDegrees: req(num(0, 180)), cval: num(), mode: oneOf(['constant', 'nearest']), probability },
    run: (img, p, rng) => {
      const r = randomRotate(img, rng, p as any);
      return { image: r.image, detail: { degrees: r.degrees } };
    },
  },
  randomCropScale: {
    random: true,
    params: {
      height: req(int(1)),
      width: req(int(1)),
      minScale: num(0, 1, true),
      maxScale: num(0, 1, true),
      method: oneOf(RESIZE_METHODS),
      probability,
    },
    run: (img, p, rng) => {
      const r = randomCropScale(img, rng, p as any);
      return { image: r.image, detail: { rect: r.rect } };
    },
  },
  intensityJitter: {
    random: true,
    params: { brightness: num(0), contrast: num(0, 1), probability },
    run: (img, p, rng) => ({ image: intensityJitter(img, rng, p), detail: null }),
  },
};

/** Names accepted by `createPipeline`. */
export const DETERMINISTIC_STEPS: readonly string[] = Object.keys(DETERMINISTIC);
/** Names accepted only by `createAugmentation` (they consume random numbers). */
export const RANDOM_STEPS: readonly string[] = Object.keys(RANDOM);

function checkParam(step: string, key: string, def: ParamDef, v: unknown): void {
  const t = def.type;
  const bad = (expected: string) =>
    new PreprocessError(
      'INVALID_PARAMETER',
      `parameter '${key}' must be ${expected}, got ${JSON.stringify(v)}`,
      {
        step,
      },
    );
  switch (t.kind) {
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('a finite number');
      if (t.kind === 'integer' && !Number.isInteger(v)) throw bad('an integer');
      const exclusive = t.kind === 'number' && t.exclusiveMin;
      if (t.min !== undefined && (exclusive ? v <= t.min : v < t.min))
        throw bad(`${exclusive ? '>' : '>='} ${t.min}`);
      if (t.max !== undefined && v > t.max) throw bad(`<= ${t.max}`);
      return;
    }
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('true or false');
      return;
    case 'enum':
      if (!t.values.includes(v as string | number)) throw bad(`one of ${t.values.join(', ')}`);
      return;
    case 'numbers':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw bad('an array of finite numbers');
      }
      return;
  }
}

function validateStep(
  step: unknown,
  index: number,
  kind: 'pipeline' | 'augmentation',
): { name: string; params: Params } {
  if (step === null || typeof step !== 'object' || typeof (step as StepSpec).name !== 'string') {
    throw new PreprocessError(
      'INVALID_SPEC',
      `step ${index} must be an object {name: string, params?: object}`,
    );
  }
  const { name, params = {} } = step as StepSpec;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new PreprocessError('INVALID_SPEC', `params of step ${index} must be an object`, { step: name });
  }
  const det = DETERMINISTIC[name];
  const rnd = RANDOM[name];
  if (!det && !rnd) {
    throw new PreprocessError(
      'UNKNOWN_STEP',
      `step ${index} is not a known step; use one of ${[...DETERMINISTIC_STEPS, ...RANDOM_STEPS].join(', ')}`,
      { step: name },
    );
  }
  if (kind === 'pipeline' && rnd) {
    throw new PreprocessError(
      'RANDOM_STEP_NOT_ALLOWED',
      `random step at position ${index} in a deterministic pipeline; validation/test/inference must not augment. ` +
        'Put it in an augmentation spec and use createAugmentation / createTrainPipeline for training',
      { step: name },
    );
  }
  if (kind === 'augmentation' && det) {
    throw new PreprocessError(
      'DETERMINISTIC_STEP_IN_AUGMENTATION',
      `deterministic step at position ${index} in an augmentation spec; move it to the preprocessing pipeline ` +
        'so validation and test see it too',
      { step: name },
    );
  }
  const defs = (det ?? rnd).params;
  for (const key of Object.keys(params)) {
    if (!(key in defs)) {
      throw new PreprocessError(
        'INVALID_PARAMETER',
        `unknown parameter '${key}'; accepted: ${Object.keys(defs).join(', ') || '(none)'}`,
        { step: name },
      );
    }
    checkParam(name, key, defs[key], (params as Params)[key]);
  }
  for (const [key, def] of Object.entries(defs)) {
    if (def.required && !(key in params)) {
      throw new PreprocessError('INVALID_PARAMETER', `missing required parameter '${key}'`, { step: name });
    }
  }
  return { name, params: structuredClone(params) as Params };
}

function validateSpec(
  spec: unknown,
  kind: 'pipeline' | 'augmentation',
): { name?: string; steps: StepSpec[] } {
  if (spec === null || typeof spec !== 'object' || !Array.isArray((spec as PipelineSpec).steps)) {
    throw new PreprocessError(
      'INVALID_SPEC',
      `a ${kind} spec must be an object {name?: string, steps: StepSpec[]}`,
    );
  }
  const s = spec as PipelineSpec;
  if (s.name !== undefined && typeof s.name !== 'string') {
    throw new PreprocessError('INVALID_SPEC', `${kind} spec name must be a string`);
  }
  const steps = s.steps.map((st, i) => validateStep(st, i, kind));
  return s.name === undefined ? { steps } : { name: s.name, steps };
}

function rethrowInStep(name: string, err: unknown): never {
  if (err instanceof PreprocessError && err.step === undefined) {
    throw new PreprocessError(err.code, err.message, { step: name, cause: err });
  }
  throw err;
}

/** A deterministic image function built from a spec; same input, same output, no RNG. */
export interface Pipeline {
  readonly kind: 'deterministic';
  /** The validated spec (a copy); `JSON.stringify` it into run reports. */
  readonly spec: PipelineSpec;
  run(img: Image2D): Image2D;
  runBatch(images: readonly Image2D[]): Image2D[];
  /** `run` plus the typed warnings of its input (`CONSTANT_CROP`; see {@link inputWarnings}). */
  runChecked(img: Image2D, options?: CheckOptions): { image: Image2D; warnings: PipelineWarning[] };
}

/**
 * Builds a deterministic pipeline from a spec or a preset name. Random steps are refused with
 * `RANDOM_STEP_NOT_ALLOWED`: this is the only pipeline type for validation, test and inference.
 */
export function createPipeline(spec: PipelineSpec | PresetName): Pipeline {
  const s = validateSpec(typeof spec === 'string' ? getPreset(spec) : spec, 'pipeline');
  const steps = s.steps.map((st) => ({
    name: st.name,
    params: st.params as Params,
    def: DETERMINISTIC[st.name],
  }));
  const run = (img: Image2D): Image2D => {
    assertImage(img);
    let cur = img;
    for (const st of steps) {
      try {
        cur = st.def.run(cur, st.params);
      } catch (err) {
        rethrowInStep(st.name, err);
      }
    }
    return cur === img ? { ...img, data: img.data.slice() } : cur;
  };
  return {
    kind: 'deterministic',
    spec: structuredClone(s),
    run,
    runBatch: (images) => images.map(run),
    runChecked: (img, options) => {
      const warnings = inputWarnings(img, options);
      return { image: run(img), warnings };
    },
  };
}

/** What one augmentation step did to one image (for audit logs and debugging). */
export interface AugmentationTrace {
  step: string;
  applied: boolean;
  detail: unknown;
}

/** Train-only random augmentation bound to an explicit RNG. */
export interface Augmentation {
  readonly kind: 'augmentation';
  readonly spec: AugmentationSpec;
  run(img: Image2D): Image2D;
  runTraced(img: Image2D): { image: Image2D; trace: AugmentationTrace[] };
}

/**
 * Builds a train-time augmentation from random steps only (deterministic ones belong in the
 * pipeline). Every step first draws one number for its `probability` (default 1), then its
 * own draws when applied, all from `rng`; the same seed gives the same augmented epoch.
 */
export function createAugmentation(spec: AugmentationSpec | AugmentationPresetName, rng: Rng): Augmentation {
  const s = validateSpec(typeof spec === 'string' ? getAugmentationPreset(spec) : spec, 'augmentation');
  if (!rng || typeof rng.next !== 'function') {
    throw new PreprocessError('INVALID_PARAMETER', 'createAugmentation needs an Rng (createRng(seed))');
  }
  const steps = s.steps.map((st) => ({ name: st.name, params: st.params as Params, def: RANDOM[st.name] }));
  const runTraced = (img: Image2D) => {
    assertImage(img);
    let cur = img;
    const trace: AugmentationTrace[] = [];
    for (const st of steps) {
      const p = st.params.probability ?? 1;
      const applied = rng.next() < p;
      if (!applied) {
        trace.push({ step: st.name, applied, detail: null });
        continue;
      }
      try {
        const r = st.def.run(cur, st.params, rng);
        cur = r.image;
        trace.push({ step: st.name, applied, detail: r.detail });
      } catch (err) {
        rethrowInStep(st.name, err);
      }
    }
    return { image: cur === img ? { ...img, data: img.data.slice() } : cur, trace };
  };
  return { kind: 'augmentation', spec: structuredClone(s), run: (img) => runTraced(img).image, runTraced };
}

/** Training: the deterministic pipeline, then the augmentation. */
export interface TrainPipeline {
  readonly kind: 'train';
  readonly preprocess: Pipeline;
  readonly augmentation: Augmentation;
  run(img: Image2D): Image2D;
}

export function createTrainPipeline(
  preprocess: PipelineSpec | PresetName,
  augmentation: AugmentationSpec | AugmentationPresetName,
  rng: Rng,
): TrainPipeline {
  const pre = createPipeline(preprocess);
  const aug = createAugmentation(augmentation, rng);
  return { kind: 'train', preprocess: pre, augmentation: aug, run: (img) => aug.run(pre.run(img)) };
}

function studyPreset(name: string, size: number): PipelineSpec {
  return {
    name,
    steps: [
      { name: 'grayscale', params: { standard: 'bt601' } },
      { name: 'laplacianSharpen', params: { amount: 1, neighbours: 4, mode: 'reflect' } },
      { name: 'median', params: { size: 3, mode: 'reflect' } },
      { name: 'percentileClip', params: { lower: 1, upper: 99 } },
      { name: 'minMaxNormalize' },
      { name: 'resize', params: { height: size, width: size, method: 'bilinear', antialias: true } },
    ],
  };
}

const PRESETS = {
  'study-efficientnet-b4': studyPreset('study-efficientnet-b4', 380),
  'study-resnet50': studyPreset('study-resnet50', 224),
  // the study's steps at 32 px: op-screen's quick and tiny run presets
  'quick-32': studyPreset('quick-32', 32),
} satisfies Record<string, PipelineSpec>;

const AUGMENTATION_PRESETS = {
  // The study's train-only augmentation: rotations by 90 degrees, transposes and mirrors, i.e. a
  // uniformly drawn element of the dihedral group D4 per image.
  'study-train': { name: 'study-train', steps: [{ name: 'randomDihedral' }] },
} satisfies Record<string, AugmentationSpec>;

export type PresetName = keyof typeof PRESETS;
export type AugmentationPresetName = keyof typeof AUGMENTATION_PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
export const AUGMENTATION_PRESET_NAMES = Object.keys(AUGMENTATION_PRESETS) as AugmentationPresetName[];

/** A copy of a named preprocessing preset. */
export function getPreset(name: PresetName): PipelineSpec {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new PreprocessError(
      'UNKNOWN_PRESET',
      `unknown preset '${name}'; use one of ${PRESET_NAMES.join(', ')}`,
    );
  }
  return structuredClone(PRESETS[name]);
}

/** A copy of a named augmentation preset. */
export function getAugmentationPreset(name: AugmentationPresetName): AugmentationSpec {
  if (!Object.hasOwn(AUGMENTATION_PRESETS, name)) {
    throw new PreprocessError(
      'UNKNOWN_PRESET',
      `unknown augmentation preset '${name}'; use one of ${AUGMENTATION_PRESET_NAMES.join(', ')}`,
    );
  }
  return structuredClone(AUGMENTATION_PRESETS[name]) as AugmentationSpec;
}

export type { BorderMode, ResizeMethod };
