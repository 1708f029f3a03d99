import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrationSlope, createRng, deLong, MetricsError, subgroupAuc } from '../src/index.js';
import { reference } from './shared.js';

// Values from fixtures/make_calibration_refs.py (statsmodels 0.13.5 GLM Binomial, Wald conf_int).
interface CalRef {
  name: string;
  intercept: number;
  slope: number;
  interceptSE: number;
  slopeSE: number;
  interceptInTheLarge: number;
  interceptInTheLargeSE: number;
  ci95: Record<'intercept' | 'slope' | 'interceptInTheLarge', [number, number]>;
  ci90: Record<'intercept' | 'slope' | 'interceptInTheLarge', [number, number]>;
}
const cal: { cases: CalRef[] } = JSON.parse(
  readFileSync(new URL('./fixtures/calibration-reference.json', import.meta.url), 'utf8'),
);
const TOL = 1e-8;

function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

describe.each(cal.cases.map((e) => [e.name, e] as const))(
  'calibration slope and intercept CIs on %s',
  (name, e) => {
    const c = reference.cases.find((r) => r.name === name)!;

    it('estimates and standard errors equal statsmodels GLM', () => {
      const f = calibrationSlope(c.labels, c.scores);
      expect(Math.abs(f.slope - e.slope)).toBeLessThan(TOL);
      expect(Math.abs(f.intercept - e.intercept)).toBeLessThan(TOL);
      expect(Math.abs(f.interceptInTheLarge - e.interceptInTheLarge)).toBeLessThan(TOL);
      expect(Math.abs(f.slopeSE - e.slopeSE)).toBeLessThan(TOL);
      expect(Math.abs(f.interceptSE - e.interceptSE)).toBeLessThan(TOL);
      expect(Math.abs(f.interceptInTheLargeSE - e.interceptInTheLargeSE)).toBeLessThan(TOL);
    });

    it.each([
      [0.95, 'ci95'],
      [0.9, 'ci90'],
    ] as const)('Wald CIs at level %s equal statsmodels conf_int', (level, key) => {
      const f = calibrationSlope(c.labels, c.scores, { level });
      expect(f.level).toBe(level);
      for (const [got, want] of [
        [f.slopeCI, e[key].slope],
        [f.interceptCI, e[key].intercept],
        [f.interceptInTheLargeCI, e[key].interceptInTheLarge],
      ] as const) {
        expect(Math.abs(got[0] - want[0])).toBeLessThan(TOL);
        expect(Math.abs(got[1] - want[1])).toBeLessThan(TOL);
      }
    });
  },
);

describe('calibration CIs behave', () => {
  it('cover slope 1 and intercept 0 for well-calibrated probabilities and shrink with n', () => {
    const rng = createRng(5);
    const draw = (n: number) => {
      const p = Float64Array.from({ length: n }, () => 1 / (1 + Math.exp(-(3 * rng.next() - 1.5))));
      const y = Float64Array.from(p, (q) => (rng.next() < q ? 1 : 0));
      return calibrationSlope(y, p);
    };
    const small = draw(400);
    const big = draw(6400);
    expect(big.slopeCI[0]).toBeLessThan(1);
    expect(big.slopeCI[1]).toBeGreaterThan(1);
    expect(big.interceptInTheLargeCI[0]).toBeLessThan(0);
    expect(big.interceptInTheLargeCI[1]).toBeGreaterThan(0);
    // SE ~ 1/sqrt(n): 16x the data, about a quarter of the width.
    expect(big.slopeSE / small.slopeSE).toBeGreaterThan(0.18);
    expect(big.slopeSE / small.slopeSE).toBeLessThan(0.33);
  });

  it('flags over-confident probabilities with a slope CI below 1', () => {
    const rng = createRng(9);
    const n = 3000;
    const eta = Float64Array.from({ length: n }, () => 2 * normal(() => rng.next()));
    const y = Float64Array.from(eta, (t) => (rng.next() < 1 / (1 + Math.exp(-t)) ? 1 : 0));
    // Predictions twice as extreme on the logit scale as the truth: slope 0.5.
    const p = Float64Array.from(eta, (t) => 1 / (1 + Math.exp(-2 * t)));
    const f = calibrationSlope(y, p);
    expect(f.slopeCI[1]).toBeLessThan(1);
    expect(f.slopeCI[0]).toBeLessThan(0.5);
    expect(f.slopeCI[1]).toBeGreaterThan(0.5);
  });

  it('refuses a level outside (0, 1)', () => {
    expect(() => calibrationSlope([0, 1, 1, 0], [0.2, 0.7, 0.6, 0.4], { level: 1 })).toThrow(MetricsError);
  });
});

describe('subgroupAuc', () => {
  const c = reference.cases.find((r) => r.name === 'vertebra_level_240')!;

  it('reports a group only with at least minPerClass of each class, else a reason', () => {
    // Groups: the patient ids' first character splits the case into groups of varying balance.
    const groups = c.labels.map((_, i) => ['A', 'B', 'C', 'D'][i % 4] as string);
    // Group D keeps only 3 positives.
    const labels = c.labels.slice();
    let kept = 0;
    for (let i = 3; i < labels.length; i += 4)
      if (labels[i] === 1) {
        if (kept >= 3) labels[i] = 0;
        else kept++;
      }
    const res = subgroupAuc(labels, c.scores, groups, { minPerClass: 5 });
    expect(res.map((r) => r.group)).toEqual(['A', 'B', 'C', 'D']);
    for (const r of res) {
      if (r.positives >= 5 && r.negatives >= 5) {
        expect(r.reason).toBeUndefined();
        const idx = groups.flatMap((g, i) => (g === r.group ? [i] : []));
        const d = deLong(
          idx.map((i) => labels[i] as number),
          idx.map((i) => c.scores[i] as number),
        );
        expect(r.auc).toBeCloseTo(d.auc, 12);
        expect(r.ci).toEqual(d.ci);
      } else {
        expect(r.auc).toBeUndefined();
        expect(r.ci).toBeUndefined();
        expect(r.reason).toMatch(/fewer than 5/);
      }
    }
    const d = res.find((r) => r.group === 'D')!;
    expect(d.positives).toBe(3);
    expect(d.reasonCode).toBe('TOO_FEW_POSITIVES');
    expect(d.reason).toBe('3 positives (fewer than 5)');
  });

  it('never reports an AUC for a group with fewer than minPerClass negatives, at any threshold', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 20; trial++) {
      const n = 60;
      const labels = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
      const scores = Array.from({ length: n }, () => rng.next());
      const groups = Array.from({ length: n }, () => 1 + Math.floor(rng.next() * 6));
      const min = 1 + Math.floor(rng.next() * 8);
      for (const r of subgroupAuc(labels, scores, groups, { minPerClass: min })) {
        const ok = r.positives >= min && r.negatives >= min;
        expect(r.auc !== undefined).toBe(ok);
        expect(r.reason !== undefined).toBe(!ok);
        expect(r.positives + r.negatives).toBe(r.n);
      }
    }
  });

  it('sorts numeric groups numerically, drops missing groups, checks lengths', () => {
    const labels = [0, 1, 0, 1, 0, 1];
    const scores = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7];
    const res = subgroupAuc(labels, scores, [10, 10, 9, 9, null, ''], { minPerClass: 1 });
    expect(res.map((r) => r.group)).toEqual(['9', '10']);
    expect(res[0]?.auc).toBe(1);
    expect(() => subgroupAuc(labels, scores, [1, 2])).toThrow(
      expect.objectContaining({ code: 'LENGTH_MISMATCH' }),
    );
  });
});
