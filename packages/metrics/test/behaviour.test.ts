import { describe, expect, it } from 'vitest';
import {
  aggregateByGroup,
  auditLeakage,
  bootstrapAucCI,
  calibrationCurve,
  createRng,
  decisionCurve,
  deLong,
  evaluatePredictions,
  type Fold,
  groupedHoldout,
  groupKFold,
  kFold,
  MetricsError,
  normalCdf,
  normalQuantile,
  pairedDeLong,
  parsePredictionsCsv,
  partialAuc,
  repeatedGroupKFold,
  repeatedKFold,
  repeatedStratifiedGroupKFold,
  repeatedStratifiedKFold,
  rocAuc,
  rocConfidenceBand,
  rocCurve,
  stratifiedKFold,
  thresholdForSensitivity,
  thresholdForSpecificity,
  thresholdMetrics,
  twoSidedP,
} from '../src/index.js';
import { reference } from './shared.js';

const study = reference.cases.find((c) => c.name === 'study_like_738')!;
const vertebra = reference.cases.find((c) => c.name === 'vertebra_level_240')!;

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsError);
    return (e as MetricsError).code;
  }
  throw new Error('expected a MetricsError');
};

describe('input validation', () => {
  it('refuses mismatched lengths, NaN/inf scores, bad labels, one class and empty input with stable codes', () => {
    expect(code(() => rocAuc([0, 1, 1], [0.1, 0.2]))).toBe('LENGTH_MISMATCH');
    expect(code(() => rocAuc([0, 1], [0.1, Number.NaN]))).toBe('NON_FINITE_SCORE');
    expect(code(() => deLong([0, 1], [Number.POSITIVE_INFINITY, 0.2]))).toBe('NON_FINITE_SCORE');
    expect(code(() => rocCurve([0, 2], [0.1, 0.2]))).toBe('INVALID_LABEL');
    expect(code(() => rocAuc([1, 1, 1], [0.1, 0.2, 0.3]))).toBe('SINGLE_CLASS');
    expect(code(() => rocAuc([], []))).toBe('EMPTY_INPUT');
    expect(code(() => pairedDeLong([0, 1, 0, 1], [1, 2, 3, 4], [1, 2, 3]))).toBe('LENGTH_MISMATCH');
    expect(code(() => calibrationCurve([0, 1], [0.2, 1.5]))).toBe('NOT_PROBABILITY');
    expect(code(() => decisionCurve([0, 1], [0.2, 0.5], [1]))).toBe('INVALID_ARGUMENT');
  });

  it('refuses fewer groups than folds and fewer samples than folds', () => {
    expect(code(() => groupKFold(['a', 'a', 'b', 'b', 'c'], { nSplits: 5 }))).toBe('TOO_FEW_GROUPS');
    expect(code(() => kFold(3, { nSplits: 5 }))).toBe('TOO_FEW_SAMPLES');
    expect(code(() => stratifiedKFold([0, 0, 0, 0, 0, 1, 1], { nSplits: 3 }))).toBe('TOO_FEW_SAMPLES');
    expect(code(() => kFold(10, { nSplits: 2, shuffle: true }))).toBe('INVALID_ARGUMENT');
  });

  it('says what and where without quoting patient ids', () => {
    try {
      aggregateByGroup([0, 1], [0.1, 0.2], ['PATIENT-SECRET', 'PATIENT-SECRET'], {
        labelPolicy: 'consistent',
      });
      throw new Error('unreachable');
    } catch (e) {
      expect((e as MetricsError).code).toBe('INVALID_LABEL');
      expect((e as Error).message).not.toContain('SECRET');
      expect((e as Error).message).toContain('aggregateByGroup');
    }
  });
});

describe('normal distribution', () => {
  // 1e-14: a few ulps; the series 1/2 - phi(x) S(x) loses ~20x to cancellation near x = 2. The
  // reference comparisons need 1e-9, so this leaves five orders of magnitude.
  it('matches R qnorm/pnorm values to 1e-14', () => {
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-14);
    expect(Math.abs(normalQuantile(0.05) + 1.6448536269514722)).toBeLessThan(1e-14);
    expect(Math.abs(normalCdf(1) - 0.8413447460685429)).toBeLessThan(1e-15);
    // deep tail keeps relative precision: pnorm(-10) = 7.619853024160527e-24
    expect(Math.abs(normalCdf(-10) / 7.619853024160527e-24 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(twoSidedP(1.959963984540054) - 0.05)).toBeLessThan(1e-15);
  });
});

describe('thresholds', () => {
  it('fixed-sensitivity threshold is the highest one reaching the target', () => {
    const m = thresholdForSensitivity(study.labels, study.scores, 0.9);
    expect(m.sensitivity!).toBeGreaterThanOrEqual(0.9);
    // the next higher distinct score would miss the target
    const higher = Math.min(...study.scores.filter((s) => s > m.threshold));
    expect(thresholdMetrics(study.labels, study.scores, higher).sensitivity!).toBeLessThan(0.9);
  });

  it('fixed-specificity threshold is the lowest one keeping the target', () => {
    const m = thresholdForSpecificity(study.labels, study.scores, 0.9);
    expect(m.specificity!).toBeGreaterThanOrEqual(0.9);
    const lower = Math.max(...study.scores.filter((s) => s < m.threshold));
    expect(thresholdMetrics(study.labels, study.scores, lower).specificity!).toBeLessThan(0.9);
  });

  it('reports Wilson intervals that contain each proportion', () => {
    const m = thresholdMetrics(study.labels, study.scores, 0.3);
    for (const k of ['sensitivity', 'specificity', 'ppv', 'npv'] as const) {
      const [lo, hi] = m.ci[k]!;
      expect(lo).toBeLessThan(m[k]!);
      expect(hi).toBeGreaterThan(m[k]!);
    }
  });
});

describe('partial AUC', () => {
  it('over the whole FPR range equals the AUC', () => {
    const p = partialAuc(study.labels, study.scores, [0, 1]);
    expect(Math.abs(p.area - rocAuc(study.labels, study.scores))).toBeLessThan(1e-12);
    expect(code(() => partialAuc(study.labels, study.scores, [0.3, 0.3]))).toBe('INVALID_ARGUMENT');
  });
});

describe('stratified bootstrap', () => {
  it('is reproducible for a seed and agrees with the DeLong CI on the study-like case', () => {
    const a = bootstrapAucCI(study.labels, study.scores, { rng: createRng(7), nBoot: 1000 });
    const b = bootstrapAucCI(study.labels, study.scores, { rng: createRng(7), nBoot: 1000 });
    expect(a.ci).toEqual(b.ci);
    expect(a.auc).toBeCloseTo(rocAuc(study.labels, study.scores), 14);
    const d = deLong(study.labels, study.scores);
    // both estimate the same sampling distribution: endpoints within 0.01 at n = 738
    expect(Math.abs(a.ci[0] - d.ci[0])).toBeLessThan(0.01);
    expect(Math.abs(a.ci[1] - d.ci[1])).toBeLessThan(0.01);
    // the replicate variance estimates the DeLong variance (within 25% with 1000 replicates)
    const mean = a.replicates.reduce((s, v) => s + v, 0) / a.nBoot;
    const v = a.replicates.reduce((s, x) => s + (x - mean) ** 2, 0) / (a.nBoot - 1);
    expect(Math.abs(v / d.variance - 1)).toBeLessThan(0.25);
  });

  it('gives a ROC band that brackets the ROC curve at most grid points', () => {
    const band = rocConfidenceBand(study.labels, study.scores, { rng: createRng(3), nBoot: 300 });
    const c = rocCurve(study.labels, study.scores);
    let inside = 0;
    band.fpr.forEach((x, k) => {
      let t = 0;
      for (let i = 0; i < c.fpr.length; i++) if (c.fpr[i] <= x) t = c.tpr[i];
      if (band.lower[k] <= t + 1e-12 && t <= band.upper[k] + 1e-12) inside++;
      expect(band.lower[k]).toBeLessThanOrEqual(band.upper[k]);
    });
    expect(inside / band.fpr.length).toBeGreaterThan(0.9);
  });
});

describe('patient aggregation', () => {
  it('pools by mean or max and labels a patient positive if any vertebra is', () => {
    const a = aggregateByGroup([0, 1, 0, 0], [0.2, 0.6, 0.1, 0.3], ['p1', 'p1', 'p2', 'p2']);
    expect(a.groups).toEqual(['p1', 'p2']);
    expect(Array.from(a.labels)).toEqual([1, 0]);
    expect(Array.from(a.scores)).toEqual([0.4, 0.2]);
    const m = aggregateByGroup([0, 1, 0, 0], [0.2, 0.6, 0.1, 0.3], ['p1', 'p1', 'p2', 'p2'], {
      pooling: 'max',
      labelPolicy: 'all',
    });
    expect(Array.from(m.scores)).toEqual([0.6, 0.3]);
    expect(Array.from(m.labels)).toEqual([0, 0]);
    const any = aggregateByGroup([0, 1, 0, 0], [0.2, 0.6, 0.1, 0.3], ['p1', 'p1', 'p2', 'p2'], {
      pooling: 'anyPositive',
      threshold: 0.5,
    });
    expect(Array.from(any.scores)).toEqual([1, 0]);
  });
});

describe('splitters', () => {
  it('groupedHoldout keeps patients whole and puts about the asked fraction of each class in test', () => {
    const h = groupedHoldout(vertebra.labels, vertebra.groups!, { rng: createRng(11), testFraction: 0.25 });
    expect(auditLeakage([h], vertebra.groups!).ok).toBe(true);
    // patient label: positive if any vertebra is; each class contributes round(0.25 * its patients)
    const groups = vertebra.groups!;
    const positive = new Map<string, boolean>();
    groups.forEach((g, i) => {
      positive.set(g, (positive.get(g) ?? false) || vertebra.labels[i] === 1);
    });
    const testGroups = new Set(Array.from(h.test, (i) => groups[i]));
    for (const cls of [true, false]) {
      const all = [...positive.entries()].filter(([, p]) => p === cls).length;
      const inTest = [...testGroups].filter((g) => positive.get(g) === cls).length;
      expect(inTest).toBe(Math.round(0.25 * all));
    }
  });

  it('repeated variants give nRepeats different seeded partitions', () => {
    const rng = createRng(5);
    const r1 = repeatedKFold(50, { nSplits: 5, nRepeats: 3, rng });
    expect(r1).toHaveLength(3);
    expect(Array.from(r1[0][0].test)).not.toEqual(Array.from(r1[1][0].test));
    expect(repeatedStratifiedKFold(vertebra.labels, { nRepeats: 2, rng })).toHaveLength(2);
    for (const rep of repeatedGroupKFold(vertebra.groups!, { nRepeats: 2, rng })) {
      expect(auditLeakage(rep, vertebra.groups!).ok).toBe(true);
    }
    for (const rep of repeatedStratifiedGroupKFold(vertebra.labels, vertebra.groups!, { nRepeats: 2, rng })) {
      expect(auditLeakage(rep, vertebra.groups!).ok).toBe(true);
    }
    // same seed, same folds
    const again = repeatedKFold(50, { nSplits: 5, nRepeats: 3, rng: createRng(5) });
    expect(again.map((r) => r.map((f) => Array.from(f.test)))).toEqual(
      r1.map((r) => r.map((f) => Array.from(f.test))),
    );
  });

  it('leakage audit counts the patients an image-level split puts on both sides', () => {
    // unshuffled KFold on 60 patients x 4 vertebrae: contiguous, 48 per fold, so no patient crosses;
    // a stratified image-level split does cross
    const groups = vertebra.groups!;
    expect(auditLeakage(kFold(240, { nSplits: 5 }), groups).ok).toBe(true);
    const leaky = auditLeakage(stratifiedKFold(vertebra.labels, { nSplits: 5 }), groups);
    expect(leaky.ok).toBe(false);
    expect(leaky.leakedGroups).toBeGreaterThan(0);
    const folds: Fold[] = [
      { train: Int32Array.from([2, 3]), test: Int32Array.from([0, 1]) },
      { train: Int32Array.from([0, 3]), test: Int32Array.from([1, 2]) },
    ];
    const r = auditLeakage(folds, ['a', 'b', 'c', 'c']);
    // b is in two test folds; c is in train and test of fold 2
    expect(r).toEqual({ ok: false, leakedGroups: 2, trainTestOverlap: [0, 1], groupsInSeveralTestFolds: 1 });
  });
});

describe('prediction tables', () => {
  it('parses label/score/score2/group columns in any order and names the file and line on errors', () => {
    const rows = parsePredictionsCsv('group,score2,score,label\nA,0.3,0.2,0\nB,0.1,0.9,1\n');
    expect(rows).toEqual([
      { label: 0, score: 0.2, score2: 0.3, group: 'A' },
      { label: 1, score: 0.9, score2: 0.1, group: 'B' },
    ]);
    try {
      parsePredictionsCsv('label,score\n0,0.1\n1,abc\n', { file: 'preds.csv' });
      throw new Error('unreachable');
    } catch (e) {
      expect(e).toMatchObject({ code: 'NON_FINITE_SCORE', file: 'preds.csv' });
      expect((e as Error).message).toContain('line 3');
    }
  });

  it('evaluatePredictions refuses rows that mix columns', () => {
    expect(
      code(() =>
        evaluatePredictions([
          { label: 0, score: 0.1, group: 'a' },
          { label: 1, score: 0.2 },
        ]),
      ),
    ).toBe('LENGTH_MISMATCH');
  });

  it('evaluatePredictions keeps the row level when every patient is positive, and says why there is no patient level', () => {
    const r = evaluatePredictions([
      { label: 1, score: 0.2, group: 'a' },
      { label: 0, score: 0.3, group: 'a' },
      { label: 1, score: 0.9, group: 'b' },
      { label: 0, score: 0.1, group: 'b' },
    ]);
    expect(r.auc).toBeCloseTo(0.75, 12);
    expect(r.patient).toBeUndefined();
    expect(r.patientUnavailable).toEqual({
      code: 'SINGLE_CLASS',
      message: expect.stringContaining('2 of 2 patients are positive'),
    });
  });
});
