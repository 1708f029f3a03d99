import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrationSlope, partialAuc, stratifiedGroupKFold, wilsonInterval } from '../src/index.js';
import { reference } from './shared.js';

// Values from fixtures/make_extra_refs.py (scikit-learn 1.2.1, R pROC 1.18.0, R glm and prop.test).
interface Extra {
  cases: {
    name: string;
    partialAuc: { 'sklearnMaxFpr0.2': number; 'pROCFpr0.1to0.3': { area: number; mcClish: number | null } };
    calibration?: { intercept: number; slope: number; interceptInTheLarge: number };
  }[];
  wilson: { x: number; n: number; ci95: [number, number] }[];
  stratifiedGroupKFold5: number[][];
}
const extra: Extra = JSON.parse(
  readFileSync(new URL('./fixtures/extra-reference.json', import.meta.url), 'utf8'),
);
const TOL = 1e-9;

describe.each(extra.cases.map((e) => [e.name, e] as const))(
  'partial AUC and calibration fit on %s',
  (name, e) => {
    const c = reference.cases.find((r) => r.name === name)!;

    it('standardised partial AUC over FPR [0, 0.2] equals roc_auc_score(max_fpr=0.2)', () => {
      expect(
        Math.abs(partialAuc(c.labels, c.scores, [0, 0.2]).standardized - e.partialAuc['sklearnMaxFpr0.2']),
      ).toBeLessThan(TOL);
    });

    it('partial AUC over specificity [0.7, 0.9] equals pROC raw and McClish-corrected', () => {
      const p = partialAuc(c.labels, c.scores, [0.1, 0.3]);
      const ref = e.partialAuc['pROCFpr0.1to0.3'];
      expect(Math.abs(p.area - ref.area)).toBeLessThan(TOL);
      if (ref.mcClish !== null) expect(Math.abs(p.standardized - ref.mcClish)).toBeLessThan(TOL);
    });

    if (e.calibration) {
      // R's glm stops at a relative deviance change of 1e-14 and we stop at a Newton step of 1e-12;
      // both sit at the optimum to well under 1e-8 in the coefficients.
      it('calibration slope, intercept and calibration-in-the-large equal R glm', () => {
        const f = calibrationSlope(c.labels, c.scores);
        expect(Math.abs(f.slope - e.calibration!.slope)).toBeLessThan(1e-8);
        expect(Math.abs(f.intercept - e.calibration!.intercept)).toBeLessThan(1e-8);
        expect(Math.abs(f.interceptInTheLarge - e.calibration!.interceptInTheLarge)).toBeLessThan(1e-8);
      });
    }
  },
);

describe('Wilson interval', () => {
  it.each(extra.wilson.map((w) => [`${w.x}/${w.n}`, w] as const))(
    '%s equals R prop.test(correct = FALSE)',
    (_k, w) => {
      const ci = wilsonInterval(w.x, w.n)!;
      expect(Math.abs(ci[0] - w.ci95[0])).toBeLessThan(TOL);
      expect(Math.abs(ci[1] - w.ci95[1])).toBeLessThan(TOL);
    },
  );

  it('is null for an empty denominator and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(5, 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('stratifiedGroupKFold', () => {
  it('gives scikit-learn 1.2.1 StratifiedGroupKFold(5) folds unshuffled', () => {
    const sp = reference.splits;
    const folds = stratifiedGroupKFold(sp.labels, sp.groups, { nSplits: 5 });
    expect(folds.map((f) => Array.from(f.test))).toEqual(extra.stratifiedGroupKFold5);
  });
});
