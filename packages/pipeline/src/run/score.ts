import {
  aggregateByGroup,
  type EvaluationBlock,
  evaluationBlock,
  pairedDeLong,
  rocAuc,
  youdenThreshold,
} from '@op-screen/metrics';
import { z } from 'zod';

const nullableNumber = z.number().nullable();

/**
 * The report's metric block: @op-screen/metrics' `EvaluationBlock` of one scorer at one level
 * (image or patient), at the threshold chosen by Youden's J on the out-of-fold validation
 * predictions, plus each fold's AUC. The zod shape mirrors the metrics type (checked below).
 */
export const metricBlockSchema = z.object({
  n: z.number().int().nonnegative(),
  positives: z.number().int().nonnegative(),
  negatives: z.number().int().nonnegative(),
  auc: z.number().min(0).max(1),
  aucCI95: z.tuple([z.number(), z.number()]),
  aucVariance: z.number().nullable(),
  averagePrecision: z.number(),
  brier: nullableNumber,
  logLoss: nullableNumber,
  /** Probability threshold chosen by Youden's J on the out-of-fold validation predictions. */
  threshold: z.number(),
  sensitivity: nullableNumber,
  specificity: nullableNumber,
  ppv: nullableNumber,
  npv: nullableNumber,
  f1: z.number(),
  accuracy: z.number(),
  confusion: z.object({
    tp: z.number().int(),
    fp: z.number().int(),
    tn: z.number().int(),
    fn: z.number().int(),
  }),
  /** AUC of each fold's model on the hold-out test set (fold order). */
  folds: z.array(nullableNumber),
  /** AUC of each fold's model on its own validation fold. */
  validationFolds: z.array(nullableNumber),
});
export type MetricBlock = z.infer<typeof metricBlockSchema>;
// The schema is metrics' block: a field added there and not here fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameBlock: Same<
  Omit<MetricBlock, 'folds' | 'validationFolds'>,
  Omit<EvaluationBlock, 'pairedDeLong'>
> = true;
void _sameBlock;

/** Scored cases of one result at one level, in one order. */
export interface Scored {
  labels: Uint8Array;
  scores: Float64Array;
  /** Each case's identity: the image key at image level, the patient at patient level. */
  cases: string[];
  /** Each case's patient: what patient-level pooling and grouped statistics group by. */
  patients: string[];
}

function twoClasses(labels: ArrayLike<number>): boolean {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i] as number;
  return p > 0 && p < labels.length;
}

export function safeAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return labels.length > 1 && twoClasses(labels) ? rocAuc(labels, scores) : null;
}

/** Patient-level view: mean of a patient's vertebra scores; patient positive if any vertebra is. */
export function toPatientLevel(s: Scored): Scored {
  const agg = aggregateByGroup(s.labels, s.scores, s.patients, { pooling: 'mean', labelPolicy: 'any' });
  return {
    labels: Uint8Array.from(agg.labels),
    scores: Float64Array.from(agg.scores),
    cases: agg.groups.map(String),
    patients: agg.groups.map(String),
  };
}

/** Youden threshold on validation predictions (falls back to 0.5 when validation has one class). */
export function chooseThreshold(validation: Scored): number {
  if (!twoClasses(validation.labels)) return 0.5;
  return youdenThreshold(validation.labels, validation.scores).threshold;
}

/** The report's metric block: metrics' `evaluationBlock` at `threshold`, and the per-fold AUCs. */
export function metricBlock(
  test: Scored,
  threshold: number,
  folds: Array<number | null>,
  validationFolds: Array<number | null>,
): MetricBlock {
  return { ...evaluationBlock(test.labels, test.scores, threshold), folds, validationFolds };
}

export function compareAucs(
  labels: Uint8Array,
  cnn: Float64Array,
  other: Float64Array,
): { cnnAuc: number; z: number | null; p: number | null } {
  const r = pairedDeLong(labels, cnn, other);
  return { cnnAuc: r.auc1, z: Number.isFinite(r.z) ? r.z : null, p: Number.isFinite(r.p) ? r.p : null };
}
