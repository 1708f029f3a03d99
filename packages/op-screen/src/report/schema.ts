import { z } from 'zod';
import { runConfigSchema } from '../run/config.js';
import { type MetricBlock, metricBlockSchema } from '../run/score.js';
import { comparisonSchema } from './comparison.js';

export { type MetricBlock, metricBlockSchema };

import { calibrationSchema, subgroupsSchema, tripodSchema } from './sections.js';

const nullableNumber = z.number().nullable();

const pairedSchema = z.object({ cnnAuc: z.number(), z: nullableNumber, p: nullableNumber });

const sequenceResultSchema = z.object({ image: metricBlockSchema, patient: metricBlockSchema });

const historyEntrySchema = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  valLoss: z.number(),
  learningRate: z.number(),
});

export const reportSchema = z.object({
  title: z.string(),
  synthetic: z.boolean(),
  split: z.enum(['patient', 'image']),
  splitNote: z.string().nullable(),
  config: runConfigSchema,
  versions: z.object({
    node: z.string(),
    packages: z.record(z.string(), z.string()),
    backend: z.record(z.string(), z.unknown()),
  }),
  leakage: z.object({
    groupsInMultipleSplits: z.number().int().nonnegative(),
    unit: z.enum(['patient', 'image']),
  }),
  skipped: z.number().int().nonnegative(),
  skippedRows: z.array(z.object({ line: z.number().int(), code: z.string(), reason: z.string() })),
  /** Rows the manifest's `exclude` column left out, by reason (fracture, severe_degeneration). */
  excluded: z.record(z.string(), z.number().int()).default({}),
  /**
   * Synthetic cohorts only: the best AUC the cohort allows on this run's test patients (the AUC of
   * the generator's posterior P(T-score <= -2.5 | what the image shows); see the synth README).
   */
  oracle: z
    .object({
      image: z.object({ auc: nullableNumber, n: z.number().int(), positives: z.number().int() }),
      patient: z.object({ auc: nullableNumber, n: z.number().int(), positives: z.number().int() }),
    })
    .nullable()
    .default(null),
  counts: z.object({
    patients: z.number().int(),
    images: z.number().int(),
    testPatients: z.number().int(),
    testImages: z.number().int(),
  }),
  results: z.object({
    T1: sequenceResultSchema.optional(),
    T2: sequenceResultSchema.optional(),
    both: sequenceResultSchema.optional(),
  }),
  baselines: z.object({
    /**
     * VBQ (T1, patient level). VBQ fits nothing to the data, so `n`, `auc`, `aucCI95` are over all
     * patients of the cohort (`scope`); `test` is the hold-out set with the paired DeLong test
     * against the CNN's T1 patient score (`pairedDeLong` repeats it; null when the test set is too small).
     */
    vbq: z
      .object({
        level: z.literal('patient'),
        scope: z.literal('all-patients').default('all-patients'),
        n: z.number().int(),
        positives: z.number().int().optional(),
        auc: z.number(),
        aucCI95: z.tuple([z.number(), z.number()]),
        test: z
          .object({
            n: z.number().int(),
            positives: z.number().int(),
            auc: z.number(),
            aucCI95: z.tuple([z.number(), z.number()]),
            pairedDeLong: pairedSchema,
          })
          .nullable()
          .default(null),
        pairedDeLong: pairedSchema.nullable(),
      })
      .optional(),
  }),
  /** Per-level, sex and age-band AUCs on the hold-out test set (sections.ts). */
  subgroups: subgroupsSchema.nullable().default(null),
  /** Calibration slope, intercepts, curve and decision curve per result at image and patient level. */
  calibration: calibrationSchema.default({}),
  /** The TRIPOD+AI items this run can fill, from its own values; the rest marked for the authors. */
  tripod: tripodSchema.nullable().default(null),
  training: z.record(
    z.string(),
    z.array(
      z.object({
        fold: z.number().int(),
        epochs: z.number().int(),
        bestEpoch: z.number().int(),
        stoppedEarly: z.boolean(),
        history: z.array(historyEntrySchema),
      }),
    ),
  ),
  preprocessing: z.unknown(),
  /** Wall time summed over every session of the run (see timing.json); a resumed run includes the interrupted sessions up to their last finished fold. */
  wallTimeSeconds: z.number(),
  /** Only when the run trained several architectures (`--arch a,b,c`). */
  comparison: comparisonSchema.optional(),
  createdAt: z.string(),
});
export type Report = z.infer<typeof reportSchema>;
