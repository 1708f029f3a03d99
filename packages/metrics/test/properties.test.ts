import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  auditLeakage,
  createRng,
  deLong,
  groupedHoldout,
  groupKFold,
  kFold,
  pairedDeLong,
  rocAuc,
  rocCurve,
  stratifiedGroupKFold,
  stratifiedKFold,
} from '../src/index.js';

/** Labels with both classes and scores from a small pool so ties are common. */
const binaryCase = fc
  .integer({ min: 2, max: 60 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
      fc.array(
        fc.integer({ min: -8, max: 8 }).map((k) => k / 4),
        { minLength: n, maxLength: n },
      ),
    ),
  )
  .filter(([y]) => y.includes(0) && y.includes(1));

/** Brute-force Mann-Whitney AUC, O(P N), as an independent oracle. */
function bruteAuc(y: number[], s: number[]): number {
  let w = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++)
    for (let j = 0; j < y.length; j++)
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        w += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
  return w / pairs;
}

describe('AUC properties', () => {
  it('equals the brute-force Mann-Whitney statistic with ties counted one half', () => {
    fc.assert(fc.property(binaryCase, ([y, s]) => Math.abs(rocAuc(y, s) - bruteAuc(y, s)) < 1e-12));
  });

  it('dropping collinear ROC points keeps the corners, the area and every dropped point on a kept segment', () => {
    fc.assert(
      fc.property(binaryCase, ([y, s]) => {
        const full = rocCurve(y, s);
        const kept = rocCurve(y, s, { dropIntermediate: true });
        let area = 0;
        for (let k = 1; k < kept.fpr.length; k++)
          area += ((kept.fpr[k] - kept.fpr[k - 1]) * (kept.tpr[k] + kept.tpr[k - 1])) / 2;
        if (Math.abs(area - rocAuc(y, s)) > 1e-12) return false;
        // every full-curve point lies on the kept polyline (cross product of the segment ~ 0)
        let seg = 1;
        for (let i = 0; i < full.fps.length; i++) {
          while (seg < kept.fps.length - 1 && full.thresholds[i] < kept.thresholds[seg]) seg++;
          const [x0, y0, x1, y1] = [kept.fps[seg - 1], kept.tps[seg - 1], kept.fps[seg], kept.tps[seg]];
          if ((x1 - x0) * (full.tps[i] - y0) - (y1 - y0) * (full.fps[i] - x0) !== 0) return false;
        }
        return kept.fpr.length <= full.fpr.length && kept.fpr[kept.fpr.length - 1] === 1;
      }),
    );
  });

  it('AUC(s) = 1 - AUC(-s)', () => {
    fc.assert(
      fc.property(
        binaryCase,
        ([y, s]) =>
          Math.abs(
            rocAuc(y, s) -
              (1 -
                rocAuc(
                  y,
                  s.map((v) => -v),
                )),
          ) < 1e-12,
      ),
    );
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    fc.assert(
      fc.property(binaryCase, fc.double({ min: 0.1, max: 5, noNaN: true }), ([y, s], a) => {
        const base = rocAuc(y, s);
        const t1 = s.map((v) => Math.exp(a * v));
        const t2 = s.map((v) => v * v * v + a * v);
        return Math.abs(rocAuc(y, t1) - base) < 1e-12 && Math.abs(rocAuc(y, t2) - base) < 1e-12;
      }),
    );
  });

  it('DeLong variance is symmetric under label and score negation, and a scorer has z = 0 against itself', () => {
    fc.assert(
      fc.property(
        binaryCase.filter(
          ([y]) => y.filter((v) => v === 1).length >= 2 && y.filter((v) => v === 0).length >= 2,
        ),
        ([y, s]) => {
          const d = deLong(y, s);
          const flipped = deLong(
            y.map((v) => 1 - v),
            s.map((v) => -v),
          );
          if (Math.abs(d.auc - flipped.auc) > 1e-12 || Math.abs(d.variance - flipped.variance) > 1e-12)
            return false;
          const t = pairedDeLong(y, s, s);
          return t.difference === 0;
        },
      ),
    );
  });
});

/** Sample groups of 1-5 members each, labels per sample. */
const groupedCase = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1 }), fc.boolean()), {
    minLength: 6,
    maxLength: 40,
  })
  .map((gs) => {
    const groups: string[] = [];
    const labels: number[] = [];
    gs.forEach(([size, base, mixed], g) => {
      for (let k = 0; k < size; k++) {
        groups.push(`G${g}`);
        labels.push(mixed && k % 2 === 1 ? 1 - base : base);
      }
    });
    return { groups, labels };
  });

describe('splitter properties', () => {
  it('grouped splitters never put a group in two folds and cover every sample once', () => {
    fc.assert(
      fc.property(
        groupedCase,
        fc.integer({ min: 2, max: 5 }),
        fc.integer(),
        ({ groups, labels }, k, seed) => {
          const nGroups = new Set(groups).size;
          fc.pre(nGroups >= k);
          const splits = [
            groupKFold(groups, { nSplits: k }),
            groupKFold(groups, { nSplits: k, shuffle: true, rng: createRng(seed) }),
            stratifiedGroupKFold(labels, groups, { nSplits: k }),
            stratifiedGroupKFold(labels, groups, { nSplits: k, shuffle: true, rng: createRng(seed) }),
          ];
          for (const folds of splits) {
            if (!auditLeakage(folds, groups).ok) return false;
            const seen = new Int32Array(groups.length);
            for (const f of folds) {
              for (const i of f.test) seen[i]++;
              if (f.train.length + f.test.length !== groups.length) return false;
            }
            if (!seen.every((v) => v === 1)) return false;
          }
          const h = groupedHoldout(labels, groups, { rng: createRng(seed), testFraction: 0.25 });
          return auditLeakage([h], groups).ok && h.train.length + h.test.length === groups.length;
        },
      ),
    );
  });

  it('stratified folds keep each class count within one sample of its share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 10, maxLength: 300 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer(),
        fc.boolean(),
        (labels, k, seed, shuffle) => {
          const pos = labels.filter((v) => v === 1).length;
          fc.pre(pos >= k && labels.length - pos >= k);
          const folds = stratifiedKFold(labels, { nSplits: k, shuffle, rng: createRng(seed) });
          return folds.every((f) => {
            const p = Array.from(f.test).filter((i) => labels[i] === 1).length;
            const n = f.test.length - p;
            return Math.abs(p - pos / k) < 1 && Math.abs(n - (labels.length - pos) / k) < 1;
          });
        },
      ),
    );
  });

  it('kFold partitions the samples into folds whose sizes differ by at most one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer(),
        (k, extra, seed) => {
          const n = k + extra;
          const folds = kFold(n, { nSplits: k, shuffle: true, rng: createRng(seed) });
          const sizes = folds.map((f) => f.test.length);
          const all = folds.flatMap((f) => Array.from(f.test)).sort((a, b) => a - b);
          return Math.max(...sizes) - Math.min(...sizes) <= 1 && all.every((v, i) => v === i);
        },
      ),
    );
  });
});
