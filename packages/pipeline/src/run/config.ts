import { getArch, isArchName, listArchitectures } from '@op-screen/efficientnet';
import { DEFAULT_PATIENTS } from '@op-screen/synth';
import { z } from 'zod';
import { OpScreenError } from '../errors.js';

export type PresetName = 'quick' | 'study' | 'tiny';
export type SplitMode = 'patient' | 'image';
export type SequenceChoice = 'T1' | 'T2' | 'both';

/** Every parameter of a run; recorded in report.json and checked on --resume. */
export const runConfigSchema = z.object({
  preset: z.enum(['quick', 'study', 'tiny']),
  seed: z.number().int(),
  split: z.enum(['patient', 'image']),
  sequences: z.array(z.enum(['T1', 'T2'])).min(1),
  arch: z.string(),
  /** Architectures compared in one run (`--arch a,b,c`); absent with one (then `arch` is it). */
  archs: z.array(z.string()).min(2).optional(),
  inputSize: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  weights: z.string().nullable(),
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  reduceLrOnPlateau: z.object({ factor: z.number(), patience: z.number().int() }),
  earlyStopping: z.object({ patience: z.number().int() }),
  folds: z.number().int().min(2),
  holdOutFraction: z.number().gt(0).lt(1),
  tScoreThreshold: z.number(),
  preprocessPreset: z.string(),
  augmentation: z.boolean(),
  synthPatients: z.number().int().positive(),
  gradcamSamples: z.number().int().nonnegative(),
  workers: z.number().int().nonnegative(),
  predictTrain: z.boolean(),
  /**
   * Sensitivity analysis (`--include-excluded`): train and evaluate on the rows the manifest's
   * `exclude` column marks too (they are still counted by reason in report.json `excluded`).
   */
  includeExcluded: z.boolean().default(false),
  /**
   * Train and score rows without `roi` on the whole slice even when the slice shows several
   * vertebrae (`--whole-image`); absent (false) by default, so such rows are refused as `NO_ROI`.
   * Stored only when set, so the config of earlier runs still resumes.
   */
  wholeImage: z.literal(true).optional(),
  /**
   * With ImageNet weights: the normalisation those weights were trained with, taken from the zoo's
   * entry for them (the one source), applied after the study preprocessing to crops in [0, 1]
   * replicated to the input's channels: 'mean-std' (torchvision) or 'caffe' (Keras, BGR means on
   * 0-255). Absent without weights (the quick preset), so earlier runs still resume.
   */
  inputNormalisation: z
    .object({
      kind: z.enum(['mean-std', 'caffe']),
      weightsTag: z.string(),
      mean: z.array(z.number()),
      std: z.array(z.number()),
    })
    .optional(),
  /**
   * The patient-level indeterminate band's targets on the development folds: rule-out at
   * sensitivity >= `sensitivity`, rule-in at specificity >= `specificity` (`--rule-out-sensitivity`,
   * `--rule-in-specificity`). Stored only when set; absent means {@link DEFAULT_BAND} (so earlier
   * runs still resume).
   */
  band: z.object({ sensitivity: z.number().gt(0).lt(1), specificity: z.number().gt(0).lt(1) }).optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** The band's targets when the run sets none: rule-out at sensitivity >= 0.9, rule-in at specificity >= 0.9. */
export const DEFAULT_BAND = { sensitivity: 0.9, specificity: 0.9 } as const;

/** The band targets of a run: its own, or {@link DEFAULT_BAND}. */
export const bandTargets = (cfg: Pick<RunConfig, 'band'>): { sensitivity: number; specificity: number } =>
  cfg.band ?? DEFAULT_BAND;

/** The paper's parameters (EfficientNet-B4 @380, Adam 1e-4, batch 16, plateau 0.5/5, early stop 10, 100 epochs). */
const STUDY: RunConfig = {
  preset: 'study',
  seed: 1,
  split: 'patient',
  sequences: ['T1', 'T2'],
  arch: 'efficientnet_b4',
  inputSize: 380,
  channels: 3,
  weights: null,
  epochs: 100,
  batchSize: 16,
  learningRate: 1e-4,
  reduceLrOnPlateau: { factor: 0.5, patience: 5 },
  earlyStopping: { patience: 10 },
  folds: 5,
  holdOutFraction: 0.2,
  tScoreThreshold: -2.5,
  preprocessPreset: 'study-efficientnet-b4',
  augmentation: true,
  synthPatients: 218,
  gradcamSamples: 8,
  workers: 0,
  predictTrain: true,
  includeExcluded: false,
};

/**
 * The same pipeline scaled to 2 CPU cores and 10 minutes: ResNet-18 (the zoo's smallest network;
 * the study compared ResNet-50) on 32x32 grayscale crops (the synthetic crops are about 34x25
 * pixels, so nothing is lost), trained from scratch at Adam 1e-3, 3 folds, at most 7 epochs with
 * proportionally shorter plateau/early-stopping patience. EfficientNet-B0 from scratch learns too
 * slowly for this budget (validation AUC 0.74 vs 0.89 for ResNet-18 after 8 epochs on one fold of
 * the synthetic T1 crops).
 *
 * 120 synthetic patients, half of them held out: the development set (60 patients) is what 72
 * patients with a 20% hold-out gave, and the test set is four times larger, so one seed's test AUC
 * has a 95% CI about +-0.07 wide instead of +-0.15 (with 14-15 test patients the CNN's image AUC of
 * one seed ranged 0.56-0.89). One training replica (`workers: 1`): at this size the replica pool's
 * per-step gradient exchange costs more than it saves (17 vs 12.5 images/s on the 2-core machine),
 * and BatchNorm then normalises the whole batch of 16 rather than each replica's 8, which raised
 * the T2 validation AUCs of seed 2 (Adam 3e-4) from 0.44-0.54 to 0.65-0.71; the numbers no longer
 * depend on the machine's core count.
 */
const QUICK: RunConfig = {
  ...STUDY,
  preset: 'quick',
  arch: 'resnet18',
  inputSize: 32,
  channels: 1,
  epochs: 7,
  batchSize: 16,
  learningRate: 1e-3,
  reduceLrOnPlateau: { factor: 0.5, patience: 2 },
  earlyStopping: { patience: 4 },
  folds: 3,
  holdOutFraction: 0.5,
  preprocessPreset: 'quick-32',
  synthPatients: DEFAULT_PATIENTS,
  gradcamSamples: 6,
  workers: 1,
  predictTrain: false,
};

/** For tests: the smallest run that still exercises every stage (one replica per core, as before). */
const TINY: RunConfig = {
  ...QUICK,
  preset: 'tiny',
  epochs: 2,
  folds: 2,
  holdOutFraction: 0.25,
  preprocessPreset: 'quick-32',
  synthPatients: 12,
  gradcamSamples: 2,
  workers: 0,
  predictTrain: true,
};

export const PRESETS: Readonly<Record<PresetName, RunConfig>> = { study: STUDY, quick: QUICK, tiny: TINY };

export interface ConfigOverrides {
  preset?: string;
  seed?: number;
  split?: string;
  sequence?: string;
  arch?: string;
  weights?: string;
  epochs?: number;
  patients?: number;
  workers?: number;
  includeExcluded?: boolean;
  /** Cross-validation folds of the development set (>= 2). */
  folds?: number;
  /** Share of patients held out as the test set, in (0, 1). */
  holdOut?: number;
  /** Use whole slices for rows without `roi` (see {@link RunConfig.wholeImage}). */
  wholeImage?: boolean;
  /** The band's rule-out target: sensitivity on the development folds, in (0, 1) (default 0.9). */
  ruleOutSensitivity?: number;
  /** The band's rule-in target: specificity on the development folds, in (0, 1) (default 0.9). */
  ruleInSpecificity?: number;
}

export function resolveConfig(o: ConfigOverrides): RunConfig {
  const presetName = (o.preset ?? 'quick') as PresetName;
  const base = PRESETS[presetName];
  if (!base)
    throw new OpScreenError(
      'BAD_OPTION',
      `unknown preset "${o.preset}"; use quick, study or tiny.`,
      undefined,
      'preset',
    );
  const cfg: RunConfig = { ...base };
  if (o.seed !== undefined) cfg.seed = o.seed;
  if (o.split !== undefined) {
    if (o.split !== 'patient' && o.split !== 'image')
      throw new OpScreenError(
        'BAD_OPTION',
        `split must be patient or image (got "${o.split}").`,
        undefined,
        'split',
      );
    cfg.split = o.split;
  }
  if (o.sequence !== undefined) {
    const s = o.sequence.toUpperCase();
    if (s === 'BOTH') cfg.sequences = ['T1', 'T2'];
    else if (s === 'T1' || s === 'T2') cfg.sequences = [s];
    else
      throw new OpScreenError(
        'BAD_OPTION',
        `sequence must be T1, T2 or both (got "${o.sequence}").`,
        undefined,
        'sequence',
      );
  }
  if (o.arch !== undefined) {
    const archs = o.arch.split(',').map((a) => a.trim());
    const zoo = listArchitectures();
    const unknown = archs.filter((a) => !isArchName(a));
    if (archs.length === 0 || unknown.length > 0)
      throw new OpScreenError(
        'BAD_OPTION',
        `--arch: unknown architecture ${unknown.map((a) => `"${a}"`).join(', ') || '""'}; see "op-screen zoo list" (${zoo.join(', ')}).`,
      );
    if (new Set(archs).size !== archs.length)
      throw new OpScreenError('BAD_OPTION', `--arch lists an architecture twice (${o.arch}).`);
    cfg.arch = archs[0] as string;
    if (archs.length > 1) cfg.archs = archs;
  }
  if (o.weights !== undefined) cfg.weights = o.weights;
  if (o.epochs !== undefined) cfg.epochs = o.epochs;
  if (o.patients !== undefined) cfg.synthPatients = o.patients;
  if (o.workers !== undefined) cfg.workers = o.workers;
  if (o.includeExcluded !== undefined) cfg.includeExcluded = o.includeExcluded;
  if (o.folds !== undefined) cfg.folds = o.folds;
  if (o.holdOut !== undefined) cfg.holdOutFraction = o.holdOut;
  if (o.wholeImage) cfg.wholeImage = true;
  if (o.ruleOutSensitivity !== undefined || o.ruleInSpecificity !== undefined)
    cfg.band = {
      sensitivity: o.ruleOutSensitivity ?? DEFAULT_BAND.sensitivity,
      specificity: o.ruleInSpecificity ?? DEFAULT_BAND.specificity,
    };
  if (cfg.weights !== null) cfg.inputNormalisation = weightsNormalisation(cfg.arch, cfg.weights);
  if (cfg.preset === 'study' && cfg.weights === null)
    throw new OpScreenError(
      'WEIGHTS_REQUIRED',
      `the study preset fine-tunes ImageNet-initialised ${cfg.arch}; it needs ImageNet weights: a torchvision file (e.g. efficientnet_b4_rwightman-7eb33cd5 converted to .safetensors), or a TensorFlow.js model.json for keras_resnet50.`,
      undefined,
      'weights',
    );
  const parsed = runConfigSchema.safeParse(cfg);
  if (!parsed.success) {
    // a readable sentence (not zod's issue JSON) naming the option, e.g. epochs 0
    const issue = parsed.error.issues[0];
    let key = String(issue?.path[0] ?? 'config');
    let value = (cfg as Record<string, unknown>)[key];
    if (key === 'band') {
      // the band's two targets are two options
      const part = String(issue?.path[1]) as 'sensitivity' | 'specificity';
      key = part === 'sensitivity' ? 'ruleOutSensitivity' : 'ruleInSpecificity';
      value = cfg.band?.[part];
    }
    const option = CONFIG_OPTION[key] ?? key;
    throw new OpScreenError(
      'BAD_OPTION',
      `invalid ${option} ${JSON.stringify(value)}: ${issue?.message ?? 'invalid value'}.`,
      undefined,
      option,
    );
  }
  return parsed.data;
}

/**
 * The input normalisation of an architecture's ImageNet weights, from the zoo's entry: a
 * TensorFlow.js `model.json` is the entry's tfjs-layers source, anything else its torchvision one.
 */
export function weightsNormalisation(
  arch: string,
  weights: string,
): NonNullable<RunConfig['inputNormalisation']> {
  const tfjs = weights.endsWith('.json');
  const source = getArch(arch).weights.find((w) =>
    tfjs ? w.format === 'tfjs-layers' : w.layout === 'torchvision',
  );
  if (!source || (source.preprocessing.kind !== 'mean-std' && source.preprocessing.kind !== 'caffe'))
    throw new OpScreenError(
      'BAD_OPTION',
      `${arch} has no ${tfjs ? 'TensorFlow.js layers (model.json)' : 'torchvision'} ImageNet weights in the zoo (op-screen zoo list).`,
      weights,
      'weights',
    );
  const p = source.preprocessing;
  return { kind: p.kind as 'mean-std' | 'caffe', weightsTag: source.tag, mean: [...p.mean], std: [...p.std] };
}

/** Run-config keys whose option (ConfigOverrides) has another name. */
const CONFIG_OPTION: Record<string, string> = {
  synthPatients: 'patients',
  sequences: 'sequence',
  holdOutFraction: 'holdOut',
};
