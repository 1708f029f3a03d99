import { MetricsError } from './errors.js';
import type { GroupKeys } from './split.js';
import { checkLabels, checkSameLength, checkScores, type NumericArray } from './validate.js';

/** How one patient's vertebra scores become one patient score. */
export type ScorePooling = 'mean' | 'max' | 'anyPositive';

/**
 * How one patient's vertebra labels become one patient label.
 * - `any` (default): positive if any vertebra is positive, i.e. the patient has osteoporosis if any
 *   of L1-L4 has a T-score <= -2.5 (the study's per-vertebra label, read the way DXA reports are).
 * - `all`: positive only if every vertebra is positive.
 * - `majority`: positive if more than half are positive.
 * - `consistent`: all vertebrae must agree, otherwise an INVALID_LABEL error.
 */
export type LabelPolicy = 'any' | 'all' | 'majority' | 'consistent';

export interface AggregateOptions {
  pooling?: ScorePooling;
  labelPolicy?: LabelPolicy;
  /** For `anyPositive`: a vertebra is positive when its score >= threshold. */
  threshold?: number;
}

export interface GroupAggregate {
  /** Group keys in order of first appearance. */
  groups: (string | number)[];
  labels: Uint8Array;
  scores: Float64Array;
  /** Samples per group. */
  sizes: Int32Array;
}

/**
 * Image -> patient aggregation: pools the scores of each group (mean, max, or anyPositive = 1 if
 * any sample's score >= threshold, else 0) and derives the group label by `labelPolicy`.
 */
export function aggregateByGroup(
  labels: NumericArray,
  scores: NumericArray,
  groups: GroupKeys,
  options: AggregateOptions = {},
): GroupAggregate {
  const where = 'aggregateByGroup';
  const pooling = options.pooling ?? 'mean';
  const policy = options.labelPolicy ?? 'any';
  checkSameLength(labels, scores, where, ['labels', 'scores']);
  checkSameLength(labels, groups, where, ['labels', 'groups']);
  checkLabels(labels, where);
  checkScores(scores, where);
  if (!['mean', 'max', 'anyPositive'].includes(pooling)) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `${where}: pooling '${pooling}' is unknown; use mean, max or anyPositive`,
    );
  }
  if (!['any', 'all', 'majority', 'consistent'].includes(policy)) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `${where}: labelPolicy '${policy}' is unknown; use any, all, majority or consistent`,
    );
  }
  const threshold = options.threshold;
  if (pooling === 'anyPositive' && (threshold === undefined || Number.isNaN(threshold))) {
    throw new MetricsError('INVALID_ARGUMENT', `${where}: pooling 'anyPositive' needs a threshold`);
  }
  const index = new Map<string | number, number>();
  const keys: (string | number)[] = [];
  const gi = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const key = groups[i];
    if (key === undefined || key === null || key === '') {
      throw new MetricsError(
        'INVALID_ARGUMENT',
        `${where}: group at index ${i} is missing; every sample needs a group`,
      );
    }
    let g = index.get(key);
    if (g === undefined) {
      g = keys.length;
      index.set(key, g);
      keys.push(key);
    }
    gi[i] = g;
  }
  const G = keys.length;
  const sizes = new Int32Array(G);
  const positives = new Int32Array(G);
  const pooled = new Float64Array(G);
  if (pooling === 'max') pooled.fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < labels.length; i++) {
    const g = gi[i];
    sizes[g]++;
    positives[g] += labels[i];
    const s = scores[i];
    if (pooling === 'mean') pooled[g] += s;
    else if (pooling === 'max') pooled[g] = Math.max(pooled[g], s);
    else if (s >= threshold!) pooled[g] = 1;
  }
  const outLabels = new Uint8Array(G);
  for (let g = 0; g < G; g++) {
    if (pooling === 'mean') pooled[g] /= sizes[g];
    const p = positives[g];
    const n = sizes[g];
    if (policy === 'consistent' && p !== 0 && p !== n) {
      throw new MetricsError(
        'INVALID_LABEL',
        `${where}: group number ${g + 1} (first-appearance order) has ${p} positive of ${n} samples but labelPolicy is 'consistent'; choose 'any', 'all' or 'majority'`,
      );
    }
    outLabels[g] =
      policy === 'all' ? (p === n ? 1 : 0) : policy === 'majority' ? (2 * p > n ? 1 : 0) : p > 0 ? 1 : 0;
  }
  return { groups: keys, labels: outLabels, scores: pooled, sizes };
}
