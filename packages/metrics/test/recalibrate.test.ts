import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyRecalibration,
  bandAnswer,
  bandMetrics,
  calibrationSlope,
  chooseBand,
  createRng,
  fitRecalibration,
} from '../src/index.js';
import { reference } from './shared.js';

// statsmodels 0.13.5 GLM Binomial on logit(p) (fixtures/make_calibration_refs.py): the same
// unpenalised maximum-likelihood fit as scikit-learn's LogisticRegression(penalty=None).
const cal: { cases: Array<{ name: string; intercept: number; slope: number; interceptInTheLarge: number }> } =
  JSON.parse(readFileSync(new URL('./fixtures/calibration-reference.json', import.meta.url), 'utf8'));

describe('fitRecalibration', () => {
  it.each(cal.cases.map((c) => [c.name, c] as const))('equals the GLM reference on %s', (name, e) => {
    const c = reference.cases.find((r) => r.name === name)!;
    const fit = fitRecalibration(c.labels, c.scores);
    expect(Math.abs(fit.intercept - e.intercept)).toBeLessThan(1e-8);
    expect(Math.abs(fit.slope - e.slope)).toBeLessThan(1e-8);
    const large = fitRecalibration(c.labels, c.scores, { method: 'intercept' });
    expect(large.slope).toBe(1);
    expect(Math.abs(large.intercept - e.interceptInTheLarge)).toBeLessThan(1e-8);
  });

  it('makes over-confident scores calibrated: slope 1 and intercept 0 after the map, on fresh data too', () => {
    const rng = createRng(11);
    const draw = (n: number) => {
      const y: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < n; i++) {
        const z = 4 * (rng.next() - 0.5); // true logit
        y.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
        p.push(1 / (1 + Math.exp(-(3 * z + 1)))); // a model 3x too steep, shifted
      }
      return { y, p };
    };
    const dev = draw(4000);
    const map = fitRecalibration(dev.y, dev.p);
    expect(map.slope).toBeCloseTo(1 / 3, 1);
    const test = draw(4000);
    const after = calibrationSlope(test.y, applyRecalibration(test.p, map));
    expect(Math.abs(after.slope - 1)).toBeLessThan(0.15);
    expect(Math.abs(after.interceptInTheLarge)).toBeLessThan(0.15);
    const before = calibrationSlope(test.y, test.p);
    expect(before.slopeCI[1]).toBeLessThan(0.5);
  });

  it('refuses one class and non-probabilities', () => {
    expect(() => fitRecalibration([1, 1], [0.2, 0.3])).toThrow(
      expect.objectContaining({ code: 'SINGLE_CLASS' }),
    );
    expect(() => fitRecalibration([0, 1], [0.2, 1.3])).toThrow(
      expect.objectContaining({ code: 'NOT_PROBABILITY' }),
    );
  });
});

describe('indeterminate band', () => {
  // 10 patients by hand: scores and labels sorted so each threshold can be read off.
  const scores = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.55, 0.6, 0.8, 0.9];
  const labels = [0, 0, 0, 1, 0, 0, 1, 0, 1, 1];

  it('chooses rule-out for sensitivity and rule-in for specificity', () => {
    // sensitivity >= 0.75 (3 of 4 positives at or above): the highest such threshold is 0.55;
    // specificity >= 0.8 (5 of 6 negatives below): the lowest such threshold is 0.6 ... but 0.55
    // leaves 5 of 6 negatives below it too, so the band collapses onto 0.55.
    const b = chooseBand(labels, scores, { sensitivity: 0.75, specificity: 0.8 });
    expect(b).toEqual({ ruleOut: 0.55, ruleIn: 0.55, sensitivity: 0.75, specificity: 0.8, collapsed: true });
    // sensitivity 1 needs every positive: rule-out at 0.3; specificity 1 needs every negative below: rule-in at 0.8.
    const wide = chooseBand(labels, scores, { sensitivity: 1, specificity: 1 });
    expect([wide.ruleOut, wide.ruleIn, wide.collapsed]).toEqual([0.3, 0.8, false]);
    expect(scores.map((s) => bandAnswer(s, wide))).toEqual([
      'low',
      'low',
      'low',
      'indeterminate',
      'indeterminate',
      'indeterminate',
      'indeterminate',
      'indeterminate',
      'high',
      'high',
    ]);
  });

  it("reports coverage and the decided cases' metrics", () => {
    const m = bandMetrics(labels, scores, { ruleOut: 0.3, ruleIn: 0.8 });
    expect([m.n, m.decided, m.indeterminate, m.coverage]).toEqual([10, 5, 5, 0.5]);
    expect([m.tp, m.fp, m.tn, m.fn]).toEqual([2, 0, 3, 0]);
    expect([m.sensitivity, m.specificity, m.ppv, m.npv]).toEqual([1, 1, 1, 1]);
    expect(m.coverageCI?.[0]).toBeLessThan(0.5);
    expect(m.ci.sensitivity?.[0]).toBeLessThan(1);
  });
});
