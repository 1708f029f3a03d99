import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  brierScore,
  calibrationCurve,
  decisionCurve,
  deLong,
  evaluationBlock,
  groupKFold,
  kFold,
  logLoss,
  pairedDeLong,
  prCurve,
  rocAuc,
  rocCurve,
  stratifiedKFold,
  thresholdMetrics,
  youdenThreshold,
} from '../src/index.js';
import { expectClose, type RefAt, reference } from './shared.js';

// Tolerance 1e-9 (absolute): the references are double-precision results of scikit-learn 1.2.1 and
// R pROC 1.18.0; our formulas are the same but sum in a different order, which moves results by a
// few ulps (~1e-15), far inside 1e-9. Counts and fold indices must match exactly.
const TOL = 1e-9;

function expectAt(actual: ReturnType<typeof thresholdMetrics>, ref: RefAt): void {
  expect(actual.threshold).toBe(ref.threshold);
  expect([actual.tp, actual.fp, actual.tn, actual.fn]).toEqual([ref.tp, ref.fp, ref.tn, ref.fn]);
  for (const k of ['sensitivity', 'specificity', 'ppv', 'npv', 'f1', 'accuracy'] as const) {
    const a = actual[k];
    const r = ref[k];
    if (r === null) expect(a).toBeNull();
    else expect(Math.abs((a as number) - r)).toBeLessThanOrEqual(TOL);
  }
}

describe.each(reference.cases.map((c) => [c.name, c] as const))(
  'matches scikit-learn and pROC on %s',
  (_name, c) => {
    const y = c.labels;
    const s = c.scores;
    const sk = c.sklearn;

    it('ROC AUC equals roc_auc_score and pROC auc', () => {
      expect(Math.abs(rocAuc(y, s) - sk.rocAuc)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(rocAuc(y, s) - c.pROC.auc)).toBeLessThanOrEqual(TOL);
    });

    it('ROC curve equals roc_curve(drop_intermediate=False) point by point', () => {
      const r = rocCurve(y, s);
      expect(expectClose(r.fpr, sk.rocCurve.fpr, TOL)).toBeNull();
      expect(expectClose(r.tpr, sk.rocCurve.tpr, TOL)).toBeNull();
      expect(Array.from(r.thresholds)).toEqual(sk.rocCurve.thresholds);
    });

    it('PR curve and average precision equal precision_recall_curve and average_precision_score', () => {
      const p = prCurve(y, s);
      expect(expectClose(p.precision, sk.prCurve.precision, TOL)).toBeNull();
      expect(expectClose(p.recall, sk.prCurve.recall, TOL)).toBeNull();
      expect(Array.from(p.thresholds)).toEqual(sk.prCurve.thresholds);
      expect(Math.abs(averagePrecision(y, s) - sk.averagePrecision)).toBeLessThanOrEqual(TOL);
    });

    it('evaluationBlock at 0.5 and at Youden holds sklearn and pROC values (one block for evaluate and the report)', () => {
      const labels = Uint8Array.from(y);
      const scores = Float64Array.from(s);
      for (const [t, at] of [
        [0.5, sk.atHalf],
        ['youden', sk.atYouden],
      ] as const) {
        const b = evaluationBlock(labels, scores, t);
        expect(b.threshold).toBe(at.threshold);
        expect(b.confusion).toEqual({ tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn });
        for (const k of ['sensitivity', 'specificity', 'ppv', 'npv', 'f1', 'accuracy'] as const) {
          const want = at[k];
          if (want === null) expect(b[k]).toBeNull();
          else expect(Math.abs((b[k] as number) - want)).toBeLessThanOrEqual(TOL);
        }
        expect(Math.abs(b.auc - c.pROC.auc)).toBeLessThanOrEqual(TOL);
        expect(Math.abs((b.aucVariance as number) - c.pROC.variance)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(b.averagePrecision - sk.averagePrecision)).toBeLessThanOrEqual(TOL);
        expect(b.n).toBe(y.length);
        expect(b.positives + b.negatives).toBe(y.length);
        if (sk.brier === undefined) expect([b.brier, b.logLoss]).toEqual([null, null]);
        else {
          expect(Math.abs((b.brier as number) - sk.brier)).toBeLessThanOrEqual(TOL);
          expect(Math.abs((b.logLoss as number) - (sk.logLoss as number))).toBeLessThanOrEqual(TOL);
        }
      }
    });

    it('Youden threshold and the confusion metrics at it and at 0.5 equal sklearn', () => {
      const yt = youdenThreshold(y, s);
      expect(yt.threshold).toBe(sk.youden.threshold);
      expect(Math.abs(yt.j - sk.youden.j)).toBeLessThanOrEqual(TOL);
      expectAt(yt.metrics, sk.atYouden);
      expectAt(thresholdMetrics(y, s, 0.5), sk.atHalf);
    });

    it('DeLong AUC, variance and 95% CI equal pROC ci.auc(method="delong")', () => {
      const d = deLong(y, s);
      expect(Math.abs(d.auc - c.pROC.auc)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(d.variance - c.pROC.variance)).toBeLessThanOrEqual(TOL);
      expect(expectClose(d.ci, c.pROC.ci95, TOL)).toBeNull();
    });

    if (c.scores2 && c.pROC.pairedDeLong) {
      it('paired DeLong z and p equal pROC roc.test(method="delong", paired=TRUE)', () => {
        const t = pairedDeLong(y, s, c.scores2!);
        expect(Math.abs(t.z - c.pROC.pairedDeLong!.z)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(t.p - c.pROC.pairedDeLong!.p)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(t.auc2 - sk.rocAuc2!)).toBeLessThanOrEqual(TOL);
      });
    }

    if (sk.brier !== undefined) {
      it('Brier score, log loss and calibration curves equal sklearn', () => {
        expect(Math.abs(brierScore(y, s) - sk.brier!)).toBeLessThanOrEqual(TOL);
        expect(Math.abs(logLoss(y, s) - sk.logLoss!)).toBeLessThanOrEqual(TOL);
        for (const strategy of ['uniform', 'quantile'] as const) {
          const ref = sk[`calibration_${strategy}`]!;
          const cc = calibrationCurve(y, s, { nBins: 10, strategy });
          expect(expectClose(cc.fracPositives, ref.fracPositives, TOL), strategy).toBeNull();
          expect(expectClose(cc.meanPredicted, ref.meanPredicted, TOL), strategy).toBeNull();
        }
      });

      it('decision-curve net benefit equals the reference for model and treat-all', () => {
        const pts = c.netBenefit!.map((p) => p.pt);
        const nb = decisionCurve(y, s, pts);
        expect(
          expectClose(
            nb.map((p) => p.model),
            c.netBenefit!.map((p) => p.model),
            TOL,
          ),
        ).toBeNull();
        expect(
          expectClose(
            nb.map((p) => p.treatAll),
            c.netBenefit!.map((p) => p.treatAll),
            TOL,
          ),
        ).toBeNull();
        expect(nb.every((p) => p.treatNone === 0)).toBe(true);
      });
    }
  },
);

describe('splitters reproduce scikit-learn 1.2.1 unshuffled folds', () => {
  const sp = reference.splits;
  const tests = (folds: { test: Int32Array }[]) => folds.map((f) => Array.from(f.test));

  it('kFold(5) equals KFold(5)', () => {
    expect(tests(kFold(sp.labels.length, { nSplits: 5 }))).toEqual(sp.KFold5);
  });
  it('stratifiedKFold(5) equals StratifiedKFold(5)', () => {
    expect(tests(stratifiedKFold(sp.labels, { nSplits: 5 }))).toEqual(sp.StratifiedKFold5);
  });
  it('groupKFold(5) equals GroupKFold(5), including its tie order between equal-sized groups', () => {
    expect(tests(groupKFold(sp.groups, { nSplits: 5 }))).toEqual(sp.GroupKFold5);
  });
});

describe('evaluationBlock with too few of a class for DeLong', () => {
  it('gives the AUC, a null variance and the uninformative [0, 1] interval (report.json holds no NaN)', () => {
    const b = evaluationBlock(Uint8Array.of(1, 0, 0, 0), Float64Array.of(0.9, 0.2, 0.4, 0.95), 0.5);
    expect(b.auc).toBeCloseTo(2 / 3, 12);
    expect(b.aucVariance).toBeNull();
    expect(b.aucCI95).toEqual([0, 1]);
    expect(JSON.stringify(b)).not.toContain('NaN');
  });
});
