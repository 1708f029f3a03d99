// The model card of a finished run: RUN/model/meta.json, written once when the run ends and read by
// `predict`, the annotator and anything else that applies the fold models to new images.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic.js';
import { StudyError } from './errors.js';
import { MODEL_CARD } from './run-dir.js';

const threshold = z.number().nullable();

/** A recalibration map (@op-screen/metrics `Recalibration`): logit p' = intercept + slope logit p. */
export const recalibrationMapSchema = z.object({
  method: z.enum(['logistic', 'intercept']),
  intercept: z.number(),
  slope: z.number(),
  n: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
});
export type RecalibrationMap = z.infer<typeof recalibrationMapSchema>;

/** The indeterminate band (@op-screen/metrics `IndeterminateBand`) on calibrated probabilities. */
export const bandSchema = z.object({
  ruleOut: z.number(),
  ruleIn: z.number(),
  sensitivity: z.number(),
  specificity: z.number(),
  collapsed: z.boolean(),
});
export type Band = z.infer<typeof bandSchema>;

/**
 * meta.json. `config` is the run's whole configuration (the facade's `RunConfig`, parsed there by
 * its own schema); the card itself needs only what applies the models: the architecture, the input
 * size and channels.
 */
export const modelCardSchema = z.object({
  config: z.looseObject({
    arch: z.string().min(1),
    inputSize: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
  }),
  /**
   * The initial weights: which file, its bytes' hash (model.json and its shards), how inputs were
   * prepared; null without initial weights, absent in cards of runs made before it was recorded.
   */
  weights: z
    .object({
      file: z.string(),
      sha256: z.string(),
      tag: z.string().nullable(),
      normalisation: z.unknown(),
    })
    .nullish(),
  /** Sequences the run trained, each with `folds` fold models (MODEL/SEQ/fold-K). */
  sequences: z.array(z.enum(['T1', 'T2'])).min(1),
  folds: z.number().int().positive(),
  /** The preprocessing pipeline's description; `pipeline` is the spec @op-screen/preprocess runs. */
  preprocessing: z
    .looseObject({ pipeline: z.unknown() })
    .refine((p) => p.pipeline !== undefined, { message: 'pipeline is missing', path: ['pipeline'] }),
  /**
   * Per result (T1, T2, both): the image- and patient-level thresholds chosen on the development
   * folds, on the scale of `calibration`'s probabilities when the card has it, else of the raw
   * fold-ensemble scores.
   */
  thresholds: z.record(z.string(), z.object({ image: threshold, patient: threshold })),
  /**
   * Per result: the recalibration maps, each probability = sigmoid(intercept + slope logit(score)).
   * `folds[k]` maps fold model k's score (fitted on its own validation fold); an image's probability
   * is the mean over the fold models of their mapped scores. `patient` maps the mean of a patient's
   * image probabilities (fitted on the development patients). Absent in cards of runs made before
   * recalibration (their scores are used as they are).
   */
  calibration: z
    .record(z.string(), z.object({ folds: z.array(recalibrationMapSchema), patient: recalibrationMapSchema }))
    .optional(),
  /**
   * Per result: the patient-level indeterminate band on calibrated probabilities; below `ruleOut`
   * the answer is `low`, at or above `ruleIn` `high`, between them `indeterminate` (refer to DXA).
   */
  band: z.record(z.string(), bandSchema).optional(),
});
export type ModelCard = z.infer<typeof modelCardSchema>;

/** The threshold a reader applies when the run recorded none (one class in the development folds). */
export const DEFAULT_THRESHOLD = 0.5;

/** RUN/model when given RUN, the directory itself when it holds the model card. */
export function resolveModelDir(path: string): string {
  const abs = resolve(path);
  if (existsSync(join(abs, MODEL_CARD))) return abs;
  if (existsSync(join(abs, 'model', MODEL_CARD))) return join(abs, 'model');
  throw new StudyError(
    'MODEL_NOT_FOUND',
    `${abs} has no ${MODEL_CARD}, nor has its model/ directory: it is not a finished op-screen reproduce run`,
    abs,
  );
}

/** Reads and validates the model card of `path` (a run directory or its model directory). */
export async function readModelCard(path: string): Promise<{ dir: string; card: ModelCard }> {
  const dir = resolveModelDir(path);
  const file = join(dir, MODEL_CARD);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new StudyError(
      'MODEL_UNREADABLE',
      `cannot read it as JSON (${(err as Error).message.split('\n')[0]}); re-run op-screen reproduce or pass another run`,
      file,
    );
  }
  const parsed = modelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudyError(
      'MODEL_UNREADABLE',
      `${MODEL_CARD} is not a model card (${issue?.path.join('.') || 'card'}: ${issue?.message ?? 'invalid'}); re-run op-screen reproduce or pass another run`,
      file,
    );
  }
  return { dir, card: parsed.data };
}

/** Validates `card` and writes it as MODEL_DIR/meta.json (atomically), its keys in the order given. */
export async function writeModelCard(modelDir: string, card: ModelCard): Promise<void> {
  modelCardSchema.parse(card);
  await writeJsonAtomic(join(modelDir, MODEL_CARD), card);
}
