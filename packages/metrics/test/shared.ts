import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));

export interface RefAt {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  sensitivity: number | null;
  specificity: number | null;
  ppv: number | null;
  npv: number | null;
  f1: number;
  accuracy: number;
}

export interface RefCase {
  name: string;
  labels: number[];
  scores: number[];
  scores2?: number[];
  groups?: string[];
  sklearn: {
    rocAuc: number;
    rocAuc2?: number;
    rocCurve: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
    averagePrecision: number;
    prCurve: { precision: number[]; recall: number[]; thresholds: number[] };
    youden: { threshold: number; j: number };
    atYouden: RefAt;
    atHalf: RefAt;
    brier?: number;
    logLoss?: number;
    calibration_uniform?: { fracPositives: number[]; meanPredicted: number[] };
    calibration_quantile?: { fracPositives: number[]; meanPredicted: number[] };
  };
  netBenefit?: { pt: number; model: number; treatAll: number }[];
  pROC: { auc: number; ci95: [number, number]; variance: number; pairedDeLong?: { z: number; p: number } };
}

export interface Reference {
  generatedBy: string;
  cases: RefCase[];
  splits: {
    labels: number[];
    groups: string[];
    KFold5: number[][];
    StratifiedKFold5: number[][];
    GroupKFold5: number[][];
  };
}

export const reference: Reference = JSON.parse(readFileSync(`${SHARED}data/metrics/reference.json`, 'utf8'));

/** Element-wise |a - b| <= tol. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) return `index ${i}: ${actual[i]} != ${expected[i]}`;
  }
  return null;
}
