import { z } from 'zod';
import { runConfigSchema } from '../run/config.js';
import { type MetricBlock, metricBlockSchema } from '../run/score.js';
import { bandShape } from './band.js';
import { baselinesShape } from './baselines.js';
import { calibrationShape } from './calibration.js';
import { comparisonShape } from './comparison.js';
import { exclusionsShape } from './exclusions.js';
import { oracleShape } from './oracle.js';
import { provenanceShape } from './provenance.js';
import { resultsShape } from './results.js';
import { subgroupsShape } from './subgroups.js';
import { trainingShape } from './training.js';
import { tripodShape } from './tripod.js';

export { type MetricBlock, metricBlockSchema };

/**
 * report.json: the run's own fields, then each section's (report/section.ts). A report is
 * validated once, when every section is in it (reproduce/stages/outputs.ts `buildReport`).
 */
export const reportSchema = z.object({
  title: z.string(),
  synthetic: z.boolean(),
  split: z.enum(['patient', 'image']),
  splitNote: z.string().nullable(),
  config: runConfigSchema,
  ...provenanceShape,
  leakage: z.object({
    groupsInMultipleSplits: z.number().int().nonnegative(),
    unit: z.enum(['patient', 'image']),
  }),
  ...exclusionsShape,
  ...oracleShape,
  counts: z.object({
    patients: z.number().int(),
    images: z.number().int(),
    testPatients: z.number().int(),
    testImages: z.number().int(),
  }),
  ...resultsShape,
  ...baselinesShape,
  ...subgroupsShape,
  ...calibrationShape,
  ...bandShape,
  ...tripodShape,
  ...trainingShape,
  preprocessing: z.unknown(),
  /** Wall time summed over every session of the run (see timing.json); a resumed run includes the interrupted sessions up to their last finished fold. */
  wallTimeSeconds: z.number(),
  ...comparisonShape,
  createdAt: z.string(),
});
export type Report = z.infer<typeof reportSchema>;
