import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ensembleMean,
  type KeyedScore,
  MetricsError,
  meanOfMembers,
  mergeViews,
  poolOutOfFold,
} from '../src/index.js';

const ks = (pairs: Array<[string, number]>): KeyedScore[] => pairs.map(([key, score]) => ({ key, score }));

describe('ensembleMean', () => {
  it('averages the members per key in first-appearance order', () => {
    const out = ensembleMean([
      ks([
        ['a', 0.2],
        ['b', 0.4],
      ]),
      ks([
        ['b', 0.8],
        ['a', 0.6],
      ]),
    ]);
    expect(out.map((e) => e.key)).toEqual(['a', 'b']);
    expect(out[0]?.score).toBeCloseTo(0.4, 15);
    expect(out[1]?.score).toBeCloseTo(0.6, 15);
  });

  it('is the identity for one member and stays within the members’ range (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (rows) => {
          const members = [0, 1, 2].map((j) => rows.map((r, i) => ({ key: `k${i}`, score: r[j] as number })));
          const out = ensembleMean(members);
          out.forEach((e, i) => {
            const r = rows[i] as number[];
            expect(e.score).toBeGreaterThanOrEqual(Math.min(...r) - 1e-12);
            expect(e.score).toBeLessThanOrEqual(Math.max(...r) + 1e-12);
          });
          expect(ensembleMean([members[0] as KeyedScore[]]).map((e) => e.score)).toEqual(
            members[0]?.map((e) => e.score),
          );
        },
      ),
    );
  });

  it('refuses no members and NaN scores with typed errors', () => {
    expect(() => ensembleMean([])).toThrow(MetricsError);
    expect(() => ensembleMean([ks([['a', Number.NaN]])])).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_SCORE' }),
    );
  });
});

describe('poolOutOfFold', () => {
  it('concatenates the folds and refuses a key in two folds', () => {
    expect(poolOutOfFold([ks([['a', 1]]), ks([['b', 0]])]).map((e) => e.key)).toEqual(['a', 'b']);
    expect(() => poolOutOfFold([ks([['a', 1]]), ks([['a', 0]])])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('mergeViews', () => {
  const unit = (k: string) => k.split('/')[0] as string;
  it('means the views per unit, keeps units present in every view, with the first view’s key', () => {
    const t1 = ks([
      ['v1/T1', 0.2],
      ['v2/T1', 0.4],
      ['v3/T1', 0.9],
    ]);
    const t2 = ks([
      ['v2/T2', 0.6],
      ['v1/T2', 0.8],
    ]);
    expect(mergeViews([t1, t2], unit)).toEqual(
      ks([
        ['v1/T1', 0.5],
        ['v2/T1', 0.5],
      ]),
    );
  });
  it('returns one view unchanged', () => {
    const t1 = ks([['v1/T1', 0.2]]);
    expect(mergeViews([t1], unit)).toEqual(t1);
  });
});

describe('meanOfMembers', () => {
  it("is ensembleMean's arithmetic to the last bit, without keys", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((members) =>
          fc.array(
            fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: members, maxLength: members }),
            {
              minLength: 1,
              maxLength: 20,
            },
          ),
        ),
        (items) => {
          // items[i][k]: member k's score of item i
          const members = (items[0] as number[]).map((_, k) =>
            Float32Array.from(items.map((row) => row[k] as number)),
          );
          const keyed = members.map((m) => Array.from(m, (score, i) => ({ key: `i${i}`, score })));
          const mean = meanOfMembers(members);
          expect(Array.from(mean)).toEqual(ensembleMean(keyed).map((e) => e.score));
        },
      ),
    );
  });

  it('refuses no members, members of different lengths and non-finite scores', () => {
    expect(() => meanOfMembers([])).toThrow(MetricsError);
    expect(() => meanOfMembers([[0.1, 0.2], [0.3]])).toThrow(/scored 1 items, the first 2/);
    expect(() => meanOfMembers([[0.1, Number.NaN]])).toThrow(/NaN/);
  });
});
