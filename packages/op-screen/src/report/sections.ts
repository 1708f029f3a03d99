import { z } from 'zod';

/**
 * Schemas of report.json's scientific-validity sections (issue 16): subgroup results, calibration
 * at image and patient level, and the TRIPOD+AI checklist. Kept apart from schema.ts, which only
 * references them.
 */

const nullableNumber = z.number().nullable();
const ci = z.tuple([z.number(), z.number()]);

/** One subgroup: its AUC with DeLong CI when both classes have at least `minPerClass` members, else why not. */
export const subgroupResultSchema = z.object({
  group: z.string(),
  n: z.number().int().nonnegative(),
  positives: z.number().int().nonnegative(),
  negatives: z.number().int().nonnegative(),
  reported: z.boolean(),
  auc: nullableNumber,
  aucCI95: ci.nullable(),
  /** Why the AUC is not reported, e.g. "3 positives (fewer than 5)"; null when reported. */
  reason: z.string().nullable(),
});
export type SubgroupResult = z.infer<typeof subgroupResultSchema>;

export const subgroupAnalysisSchema = z.object({
  by: z.enum(['level', 'sex', 'ageBand']),
  unit: z.enum(['image', 'patient']),
  groups: z.array(subgroupResultSchema),
});
export type SubgroupAnalysis = z.infer<typeof subgroupAnalysisSchema>;

export const subgroupsSchema = z.object({
  minPerClass: z.number().int().positive(),
  ageBands: z.array(z.string()),
  /** Per result (T1, T2, both): the analyses that could be made on the hold-out test set. */
  results: z.record(z.string(), z.array(subgroupAnalysisSchema)),
  /** Subgroup variables the run could not analyse and why (e.g. the manifest has no sex column). */
  unavailable: z.array(z.object({ by: z.enum(['sex', 'ageBand']), reason: z.string() })),
});
export type Subgroups = z.infer<typeof subgroupsSchema>;

export const calibrationBlockSchema = z.object({
  unit: z.enum(['image', 'patient']),
  n: z.number().int(),
  positives: z.number().int(),
  /** Null when the fit is impossible (one class, or scores that are not probabilities); `reason` says why. */
  slope: nullableNumber,
  slopeCI95: ci.nullable(),
  intercept: nullableNumber,
  interceptCI95: ci.nullable(),
  /** Calibration-in-the-large: intercept with logit(p) as offset (slope fixed at 1); 0 is ideal. */
  interceptInTheLarge: nullableNumber,
  interceptInTheLargeCI95: ci.nullable(),
  curve: z
    .object({
      strategy: z.literal('quantile'),
      meanPredicted: z.array(z.number()),
      fracPositives: z.array(z.number()),
      counts: z.array(z.number()),
      edges: z.array(z.number()),
    })
    .nullable(),
  /** Net benefit of the model and of treat-all at a few threshold probabilities (Vickers & Elkin 2006). */
  decisionCurve: z.array(z.object({ pt: z.number(), model: z.number(), treatAll: z.number() })),
  reason: z.string().nullable(),
});
export type CalibrationBlock = z.infer<typeof calibrationBlockSchema>;

export const calibrationSchema = z.record(
  z.string(),
  z.object({ image: calibrationBlockSchema, patient: calibrationBlockSchema }),
);
export type Calibration = z.infer<typeof calibrationSchema>;

export const tripodItemSchema = z.object({
  /** TRIPOD+AI (Collins et al., BMJ 2024;385:e078378) item number, e.g. "5a". */
  item: z.string(),
  section: z.string(),
  topic: z.string(),
  /** filled: from this run; partial: the run's part is filled, the rest is the authors'; authors: a tool cannot know it. */
  status: z.enum(['filled', 'partial', 'authors']),
  text: z.string(),
});
export type TripodItem = z.infer<typeof tripodItemSchema>;

const eventCount = z.object({
  patients: z.number().int(),
  positivePatients: z.number().int(),
  vertebrae: z.number().int(),
  positiveVertebrae: z.number().int(),
});
export type EventCount = z.infer<typeof eventCount>;

export const sampleSizeSchema = z.object({
  development: eventCount,
  test: eventCount,
  folds: z.array(z.object({ train: eventCount, validation: eventCount })),
});
export type SampleSize = z.infer<typeof sampleSizeSchema>;

export const tripodSchema = z.object({
  guideline: z.string(),
  note: z.string(),
  /** Participants (patients) and events (osteoporotic vertebrae / patients) in each analysis (item 21). */
  sampleSize: sampleSizeSchema,
  items: z.array(tripodItemSchema),
});
export type Tripod = z.infer<typeof tripodSchema>;
