import { fitRecalibration } from '@op-screen/metrics';
import { describe, expect, it } from 'vitest';
import { bandResult, fitMap, recalibrated } from '../src/reproduce/stages/recalibration.js';
import type { Scored } from '../src/run/score.js';

const scored = (labels: number[], scores: number[]): Scored => ({
  labels: Uint8Array.from(labels),
  scores: Float64Array.from(scores),
  cases: labels.map((_, i) => `c${i}`),
  patients: labels.map((_, i) => `p${i}`),
});

// over-confident but informative development scores
const dev = scored([0, 0, 0, 1, 0, 1, 1, 0, 1, 1], [0.01, 0.05, 0.2, 0.3, 0.45, 0.6, 0.8, 0.9, 0.95, 0.99]);

describe("the pipeline's recalibration maps", () => {
  it('is the logistic fit on the development scores when its slope is positive', () => {
    const { map, note } = fitMap(dev);
    const want = fitRecalibration(dev.labels, dev.scores);
    expect(note).toBeNull();
    expect(map).toEqual(want);
    expect(map.slope).toBeGreaterThan(0);
    // the map keeps the order of the scores (so AUCs and the thresholds' decisions stand)
    const after = recalibrated(dev, map).scores;
    for (let i = 1; i < after.length; i++) expect(after[i]).toBeGreaterThan(after[i - 1] as number);
  });

  it('fits the intercept alone when the slope would reverse the ranking, and the identity with one class', () => {
    const reversed = scored([1, 1, 0, 1, 0, 0], [0.1, 0.2, 0.3, 0.6, 0.8, 0.9]);
    const r = fitMap(reversed);
    expect(r.map.method).toBe('intercept');
    expect(r.map.slope).toBe(1);
    expect(r.note).toMatch(/not positive/);
    const one = fitMap(scored([0, 0, 0], [0.1, 0.2, 0.3]));
    expect(one.map).toMatchObject({ intercept: 0, slope: 1, n: 3, events: 0 });
    expect(one.note).toMatch(/no recalibration fitted/);
  });

  it('chooses the band on development patients and measures it on test patients; none with one class', () => {
    // by hand: positives 0.3 0.6 0.8 0.95 0.99, negatives 0.01 0.05 0.2 0.45 0.9
    const b = bandResult(dev, dev, { sensitivity: 0.9, specificity: 0.9 });
    // sensitivity >= 0.9 keeps all 5 positives at or above rule-out: the highest such threshold is 0.3
    expect(b?.band.ruleOut).toBe(0.3);
    // specificity >= 0.9 leaves no negative at or above rule-in: the lowest such score is 0.95
    expect(b?.band.ruleIn).toBe(0.95);
    expect(b?.band.collapsed).toBe(false);
    // 0.3 0.45 0.6 0.8 0.9 are indeterminate; 0.01 0.05 0.2 low (negatives), 0.95 0.99 high (positives)
    expect(b?.test).toMatchObject({
      n: 10,
      decided: 5,
      indeterminate: 5,
      coverage: 0.5,
      tp: 2,
      tn: 3,
      fp: 0,
      fn: 0,
    });
    expect([b?.test.sensitivity, b?.test.specificity]).toEqual([1, 1]);
    // with lower targets one threshold meets both: the band collapses (no indeterminate patient)
    const c = bandResult(dev, dev, { sensitivity: 0.8, specificity: 0.8 });
    expect([c?.band.ruleOut, c?.band.ruleIn, c?.band.collapsed, c?.test.indeterminate]).toEqual([
      0.6,
      0.6,
      true,
      0,
    ]);
    expect(bandResult(scored([1, 1], [0.2, 0.3]), dev, { sensitivity: 0.9, specificity: 0.9 })).toBeNull();
  });
});
