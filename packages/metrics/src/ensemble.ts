// Combining predictions of several models or views of the same images, keyed by image. These are
// the steps between "k fold models each scored the test set" and "one score per test image":
// fold ensembling (mean over models), out-of-fold pooling (each development image scored once, by
// the model that did not train on it) and merging views (T1 and T2 of the same vertebra).
import { MetricsError } from './errors.js';

/** A score for one keyed item (an image, a vertebra); the key is opaque to this module. */
export interface KeyedScore {
  key: string;
  score: number;
}

function checkFinite(list: readonly KeyedScore[], where: string): void {
  for (const e of list)
    if (!Number.isFinite(e.score))
      throw new MetricsError(
        'NON_FINITE_SCORE',
        `${where}: a score is ${e.score}; every score must be finite`,
      );
}

/**
 * Ensemble of models that scored the same items: per key, the mean of the members' scores
 * (each added as score / members.length, in member order). Keys appear in order of first
 * appearance; a key missing from some members is averaged over all members all the same, so give
 * every member the same items.
 */
export function ensembleMean(members: readonly (readonly KeyedScore[])[]): KeyedScore[] {
  if (members.length === 0) throw new MetricsError('EMPTY_INPUT', 'ensembleMean: no members');
  const sums = new Map<string, number>();
  for (const m of members) {
    checkFinite(m, 'ensembleMean');
    for (const e of m) sums.set(e.key, (sums.get(e.key) ?? 0) + e.score / members.length);
  }
  return [...sums].map(([key, score]) => ({ key, score }));
}

/**
 * The fold ensemble of models that scored the same items in the same order: per item, the mean of
 * the members' scores, each added as score / members.length in member order starting from 0 (the
 * arithmetic of {@link ensembleMean}, without keys). `op-screen predict`, the annotator and a run's
 * test predictions therefore agree to the last bit on the same fold probabilities.
 */
export function meanOfMembers(members: readonly ArrayLike<number>[]): Float64Array {
  if (members.length === 0) throw new MetricsError('EMPTY_INPUT', 'meanOfMembers: no members');
  const n = (members[0] as ArrayLike<number>).length;
  const out = new Float64Array(n);
  for (const m of members) {
    if (m.length !== n)
      throw new MetricsError(
        'LENGTH_MISMATCH',
        `meanOfMembers: a member scored ${m.length} items, the first ${n}; every member must score the same items`,
      );
    for (let i = 0; i < n; i++) {
      const v = m[i] as number;
      if (!Number.isFinite(v))
        throw new MetricsError(
          'NON_FINITE_SCORE',
          `meanOfMembers: a score is ${v}; every score must be finite`,
        );
      out[i] = (out[i] as number) + v / members.length;
    }
  }
  return out;
}

/**
 * Out-of-fold pooling: the folds' validation predictions concatenated in fold order. A key in two
 * folds means the folds' validation sets overlap, which out-of-fold estimates must not.
 */
export function poolOutOfFold(folds: readonly (readonly KeyedScore[])[]): KeyedScore[] {
  const seen = new Set<string>();
  const out: KeyedScore[] = [];
  folds.forEach((f, k) => {
    checkFinite(f, 'poolOutOfFold');
    for (const e of f) {
      if (seen.has(e.key))
        throw new MetricsError(
          'INVALID_ARGUMENT',
          `poolOutOfFold: an item is in the validation set of fold ${k} and of an earlier fold; out-of-fold folds must be disjoint`,
        );
      seen.add(e.key);
      out.push({ key: e.key, score: e.score });
    }
  });
  return out;
}

/**
 * Merges views of the same unit (T1 and T2 scores of one vertebra): per unit (`unitOf(key)`), the
 * mean of its scores over the views, for units present in every view only. Each result carries the
 * key of the unit's first occurrence, in order of first appearance. One view is returned as is.
 */
export function mergeViews(
  views: readonly (readonly KeyedScore[])[],
  unitOf: (key: string) => string,
): KeyedScore[] {
  if (views.length === 0) throw new MetricsError('EMPTY_INPUT', 'mergeViews: no views');
  if (views.length === 1) return (views[0] as readonly KeyedScore[]).map((e) => ({ ...e }));
  const acc = new Map<string, { key: string; sum: number; n: number }>();
  for (const v of views) {
    checkFinite(v, 'mergeViews');
    for (const e of v) {
      const u = unitOf(e.key);
      const a = acc.get(u);
      if (a) {
        a.sum += e.score;
        a.n++;
      } else acc.set(u, { key: e.key, sum: e.score, n: 1 });
    }
  }
  return [...acc.values()]
    .filter((a) => a.n === views.length)
    .map((a) => ({ key: a.key, score: a.sum / a.n }));
}
