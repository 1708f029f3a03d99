import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSharedPatients, type SplitUnit, splitStudy } from '../src/index.js';

function cohort(patients: number, positiveRate: number, seed: number): SplitUnit[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const units: SplitUnit[] = [];
  for (let p = 0; p < patients; p++) {
    const base = rnd() < positiveRate;
    for (const level of ['L1', 'L2', 'L3', 'L4'])
      units.push({ key: `P${p}\u0000${level}`, patientId: `P${p}`, label: base && rnd() < 0.8 ? 1 : 0 });
  }
  return units;
}

function rolesByPatient(
  units: SplitUnit[],
  test: number[],
  folds: Array<{ train: number[]; val: number[] }>,
) {
  const roles = new Map<string, Set<string>>();
  const add = (i: number, r: string) => {
    const p = (units[i] as SplitUnit).patientId;
    roles.set(p, (roles.get(p) ?? new Set()).add(r));
  };
  for (const i of test) add(i, 'test');
  folds.forEach((f, k) => {
    for (const i of f.val) add(i, `val${k}`);
  });
  return roles;
}

describe('study splits', () => {
  it('patient-level split never puts one patient in two splits (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 60 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer(),
        (patients, folds, seed) => {
          const units = cohort(patients, 0.3, seed);
          const s = splitStudy(units, 'patient', folds, 0.2, seed);
          expect(s.groupsInMultipleSplits).toBe(0);
          for (const roles of rolesByPatient(units, s.test, s.folds).values()) expect(roles.size).toBe(1);
          for (const f of s.folds) {
            const trainPatients = new Set(f.train.map((i) => (units[i] as SplitUnit).patientId));
            for (const i of [...f.val, ...s.test])
              expect(trainPatients.has((units[i] as SplitUnit).patientId)).toBe(false);
            // Every development unit is in exactly one of train/val.
            expect(f.train.length + f.val.length + s.test.length).toBe(units.length);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('image-level split reproduces the study: vertebrae of one patient land in different splits, and the audit counts them', () => {
    const units = cohort(40, 0.3, 5);
    const s = splitStudy(units, 'image', 3, 0.2, 5);
    const shared = [...rolesByPatient(units, s.test, s.folds).values()].filter((r) => r.size > 1).length;
    expect(shared).toBeGreaterThan(0);
    expect(s.groupsInMultipleSplits).toBeGreaterThanOrEqual(shared);
    expect(countSharedPatients(units, s.test, s.folds)).toBe(s.groupsInMultipleSplits);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const units = cohort(30, 0.3, 9);
    expect(splitStudy(units, 'patient', 3, 0.2, 1)).toEqual(splitStudy(units, 'patient', 3, 0.2, 1));
    expect(splitStudy(units, 'patient', 3, 0.2, 1).test).not.toEqual(
      splitStudy(units, 'patient', 3, 0.2, 2).test,
    );
  });
});
