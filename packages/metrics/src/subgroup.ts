import { deLong } from './delong.js';
import { MetricsError } from './errors.js';
import {
  checkFraction,
  checkInteger,
  checkLabels,
  checkSameLength,
  checkScores,
  type NumericArray,
} from './validate.js';

export type SubgroupKey = string | number | null | undefined;

export interface SubgroupResult {
  /** The group value as a string (numbers are written with String()). */
  group: string;
  n: number;
  positives: number;
  negatives: number;
  /** Present only when both classes have at least `minPerClass` members. */
  auc?: number;
  /** DeLong CI at `level` (clipped to [0, 1], as pROC). */
  ci?: [number, number];
  se?: number;
  /** Why the AUC is not reported: e.g. "3 positives (fewer than 5)". */
  reason?: string;
  reasonCode?: 'TOO_FEW_POSITIVES' | 'TOO_FEW_NEGATIVES';
}

export interface SubgroupOptions {
  /** Smallest count of each class for a group's AUC to be reported (default 5). */
  minPerClass?: number;
  /** CI level (default 0.95). */
  level?: number;
}

/**
 * AUC with DeLong CI per subgroup (e.g. vertebral level, sex, age band). A group is reported only
 * when it has at least `minPerClass` positives and as many negatives; otherwise it carries a
 * `reason` and no AUC. Groups are sorted by key (numeric keys numerically); rows whose group is
 * null, undefined or '' belong to no group and are left out.
 */
export function subgroupAuc(
  labels: NumericArray,
  scores: NumericArray,
  groups: ArrayLike<SubgroupKey>,
  options: SubgroupOptions = {},
): SubgroupResult[] {
  const where = 'subgroupAuc';
  checkLabels(labels, where);
  checkScores(scores, where);
  checkSameLength(labels, scores, where, ['labels', 'scores']);
  if (groups.length !== labels.length)
    throw new MetricsError(
      'LENGTH_MISMATCH',
      `${where}: groups has ${groups.length} entries but labels has ${labels.length}; pass one group per row`,
    );
  const minPerClass = options.minPerClass ?? 5;
  checkInteger(minPerClass, where, 'minPerClass', 1);
  const level = options.level ?? 0.95;
  checkFraction(level, where, 'level', true);
  const members = new Map<string, number[]>();
  const numeric = new Map<string, boolean>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups[i];
    if (g === null || g === undefined || g === '') continue;
    const key = String(g);
    let m = members.get(key);
    if (!m) {
      m = [];
      members.set(key, m);
      numeric.set(key, typeof g === 'number');
    }
    m.push(i);
  }
  const keys = [...members.keys()].sort((a, b) =>
    numeric.get(a) && numeric.get(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0,
  );
  return keys.map((group) => {
    const idx = members.get(group) as number[];
    const y = Float64Array.from(idx, (i) => labels[i] as number);
    const s = Float64Array.from(idx, (i) => scores[i] as number);
    const positives = y.reduce((t, v) => t + v, 0);
    const negatives = idx.length - positives;
    const base = { group, n: idx.length, positives, negatives };
    if (positives < minPerClass)
      return {
        ...base,
        reason: `${positives} positives (fewer than ${minPerClass})`,
        reasonCode: 'TOO_FEW_POSITIVES' as const,
      };
    if (negatives < minPerClass)
      return {
        ...base,
        reason: `${negatives} negatives (fewer than ${minPerClass})`,
        reasonCode: 'TOO_FEW_NEGATIVES' as const,
      };
    const d = deLong(y, s, { level });
    return { ...base, auc: d.auc, ci: d.ci, se: d.se };
  });
}
