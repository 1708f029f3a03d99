import { MetricsError } from './errors.js';

/** Anything indexable holding numbers: plain arrays or typed arrays. */
export type NumericArray = ArrayLike<number>;

/** Labels are 0/1 (negative/positive); anything else is refused. */
export function checkLabels(labels: NumericArray, where: string): void {
  if (labels.length === 0)
    throw new MetricsError(
      'EMPTY_INPUT',
      `${where}: no samples; pass at least one positive and one negative`,
    );
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new MetricsError(
        'INVALID_LABEL',
        `${where}: label at index ${i} is ${String(y)}; labels must be 0 or 1`,
      );
    }
  }
}

export function checkScores(scores: NumericArray, where: string, name = 'score'): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new MetricsError(
        'NON_FINITE_SCORE',
        `${where}: ${name} at index ${i} is ${String(scores[i])}; scores must be finite numbers (drop or impute that sample)`,
      );
    }
  }
}

export function checkSameLength(
  a: { length: number },
  b: { length: number },
  where: string,
  names: [string, string],
): void {
  if (a.length !== b.length) {
    throw new MetricsError(
      'LENGTH_MISMATCH',
      `${where}: ${names[0]} has ${a.length} entries but ${names[1]} has ${b.length}; pass one entry per sample`,
    );
  }
}

/** Counts positives; throws SINGLE_CLASS unless both classes are present. */
export function countPositives(labels: NumericArray, where: string): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i];
  if (p === 0 || p === labels.length) {
    throw new MetricsError(
      'SINGLE_CLASS',
      `${where}: all ${labels.length} labels are ${p === 0 ? 0 : 1}; this metric needs both positives and negatives`,
    );
  }
  return p;
}

/** Full check of a binary-classification input; returns the number of positives. */
export function checkBinary(labels: NumericArray, scores: NumericArray, where: string): number {
  checkSameLength(labels, scores, where, ['labels', 'scores']);
  checkLabels(labels, where);
  checkScores(scores, where);
  return countPositives(labels, where);
}

export function checkProbabilities(scores: NumericArray, where: string): void {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s >= 0 && s <= 1)) {
      throw new MetricsError(
        'NOT_PROBABILITY',
        `${where}: score at index ${i} is ${String(s)}; this metric needs probabilities in [0, 1] (calibrate or apply a sigmoid first)`,
      );
    }
  }
}

export function checkFraction(x: number, where: string, name: string, open = false): void {
  const ok = open ? x > 0 && x < 1 : x >= 0 && x <= 1;
  if (!Number.isFinite(x) || !ok) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `${where}: ${name} is ${x}; it must lie in ${open ? '(0, 1)' : '[0, 1]'}`,
    );
  }
}

export function checkInteger(x: number, where: string, name: string, min: number): void {
  if (!Number.isInteger(x) || x < min) {
    throw new MetricsError('INVALID_ARGUMENT', `${where}: ${name} is ${x}; it must be an integer >= ${min}`);
  }
}

/** Labels and probability scores of one length, labels 0/1, scores finite and within [0, 1]. */
export function checkProbabilityInput(labels: NumericArray, probs: NumericArray, where: string): void {
  checkSameLength(labels, probs, where, ['labels', 'probabilities']);
  checkLabels(labels, where);
  checkScores(probs, where, 'probability');
  checkProbabilities(probs, where);
}

/** True when every score lies in [0, 1] (no error). */
export function allProbabilities(scores: NumericArray): boolean {
  for (let i = 0; i < scores.length; i++) if (!(scores[i] >= 0 && scores[i] <= 1)) return false;
  return true;
}
