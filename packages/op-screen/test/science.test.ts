// Issue 16: subgroup AUCs (>= 5 of each class or the reason), calibration at image and patient
// level, the VBQ baseline on all patients, the TRIPOD+AI section and --include-excluded.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateByGroup, calibrationSlope, rocAuc } from '@op-screen/metrics';
import {
  ageBand,
  defaultDeps,
  type Report,
  reportSchema,
  reproduce,
  subgroupResults,
} from '@op-screen/pipeline';
import { parseManifest } from '@op-screen/study';
import { includedPatientLabel, measureVbq, readSynthSidecar, samplePatient } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

const deps = { ...defaultDeps(), engine: linearEngine };
const PATIENTS = 40;
const SEED = 3;

async function run(includeExcluded: boolean): Promise<{ report: Report; out: string }> {
  const out = join(mkdtempSync(join(tmpdir(), 'science-')), 'run');
  await reproduce(
    { out, preset: 'tiny', patients: PATIENTS, seed: SEED, epochs: 3, includeExcluded, log: () => {} },
    deps,
  );
  return { report: reportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))), out };
}

type Row = Record<string, string>;
/** Equal to 1e-3 relative (a loose bound: the point is which rows are compared, not rounding). */
const near = (a: number | null | undefined, b: number) =>
  expect(Math.abs((a ?? Number.NaN) - b)).toBeLessThan(1e-3 * Math.max(1, Math.abs(b)));
const csv = (path: string) => parse(readFileSync(path, 'utf8'), { columns: true }) as Row[];

describe('subgroup rule', () => {
  it('reports a group only with at least 5 positives and 5 negatives, else says why', () => {
    const labels: number[] = [];
    const scores: number[] = [];
    const groups: string[] = [];
    const add = (g: string, pos: number, neg: number) => {
      for (let i = 0; i < pos + neg; i++) {
        labels.push(i < pos ? 1 : 0);
        scores.push(i < pos ? 0.6 + 0.01 * i : 0.4 + 0.02 * i);
        groups.push(g);
      }
    };
    add('L1', 5, 5);
    add('L2', 4, 20);
    add('L3', 12, 3);
    add('L4', 5, 9);
    const r = subgroupResults(
      { labels: Uint8Array.from(labels), scores: Float64Array.from(scores) },
      groups,
      5,
      ['L1', 'L2', 'L3', 'L4'],
    );
    expect(r.map((g) => [g.group, g.reported])).toEqual([
      ['L1', true],
      ['L2', false],
      ['L3', false],
      ['L4', true],
    ]);
    expect(r[1]).toMatchObject({
      positives: 4,
      auc: null,
      aucCI95: null,
      reason: '4 positives (fewer than 5)',
    });
    expect(r[2]?.reason).toBe('3 negatives (fewer than 5)');
    expect(r[0]?.auc).toBeGreaterThan(0);
    expect(r[0]?.aucCI95?.[0]).toBeLessThanOrEqual(r[0]?.auc as number);
    expect([ageBand(49), ageBand(50), ageBand(69), ageBand(79), ageBand(90)]).toEqual([
      '<50',
      '50-59',
      '60-69',
      '70-79',
      '80+',
    ]);
  });

  it('the manifest carries optional sex and age, validated', () => {
    const m = parseManifest(
      [
        'patient_id,sequence,level,image,t_score,sex,age',
        'P1,T1,L1,a.dcm,-1,f,67',
        'P1,T1,L2,a.dcm,-1,,',
        'P2,T1,L1,a.dcm,-1,X,60',
        'P3,T1,L1,a.dcm,-1,M,150',
        'P4,T1,L1,a.dcm,-1,M,6x',
      ].join('\n'),
      '/tmp/m.csv',
      { checkFiles: false },
    );
    expect(m.rows.map((r) => [r.sex, r.age])).toEqual([
      ['F', 67],
      [undefined, undefined],
    ]);
    expect(m.skipped.map((s) => s.reason)).toEqual([
      'sex: sex "X" is not empty, F or M',
      'age: age outside [18, 120]',
      'age: age must be whole years',
    ]);
  });
});

describe('reproduce: scientific-validity sections', () => {
  let report: Report;
  let out: string;
  beforeAll(async () => {
    ({ report, out } = await run(false));
  }, 240_000);

  it('reports per-level, sex and age-band AUCs only for groups with >= 5 of each class', () => {
    const sg = report.subgroups;
    expect(sg?.minPerClass).toBe(5);
    expect(sg?.unavailable).toEqual([]);
    for (const name of ['T1', 'T2', 'both']) {
      const analyses = sg?.results[name] ?? [];
      expect(analyses.map((a) => `${a.by}/${a.unit}`)).toEqual([
        'level/image',
        'sex/image',
        'sex/patient',
        'ageBand/image',
        'ageBand/patient',
      ]);
      const level = analyses[0]?.groups ?? [];
      expect(level.map((g) => g.group)).toEqual(['L1', 'L2', 'L3', 'L4']);
      expect(level.reduce((s, g) => s + g.n, 0)).toBe(report.results[name as 'T1']?.image.n);
      for (const a of analyses)
        for (const g of a.groups) {
          if (g.reported) {
            expect(Math.min(g.positives, g.negatives)).toBeGreaterThanOrEqual(5);
            expect(g.auc).not.toBeNull();
          } else {
            expect(Math.min(g.positives, g.negatives)).toBeLessThan(5);
            expect(g.auc).toBeNull();
            expect(g.reason).toMatch(/^\d+ (positives|negatives) \(fewer than 5\)$/);
          }
        }
      // Patient-level sex groups partition the test patients.
      const sexP = analyses.find((a) => a.by === 'sex' && a.unit === 'patient')?.groups ?? [];
      expect(sexP.reduce((s, g) => s + g.n, 0)).toBe(report.results[name as 'T1']?.patient.n);
    }
    // At this size (10 test patients) most groups are too small: the rule must hold them back.
    const all = Object.values(sg?.results ?? {}).flatMap((a) => a.flatMap((x) => x.groups));
    expect(all.some((g) => !g.reported)).toBe(true);
  });

  it('calibration at image and patient level matches a direct fit on predictions.csv', () => {
    const test = csv(join(out, 'predictions.csv')).filter((r) => r.split === 'test' && r.sequence === 'T1');
    const y = test.map((r) => Number(r.label));
    const p = test.map((r) => Number(r.score));
    const cal = report.calibration.T1;
    const img = calibrationSlope(y, p);
    expect(cal?.image.n).toBe(test.length);
    near(cal?.image.slope, img.slope);
    near(cal?.image.interceptInTheLarge, img.interceptInTheLarge);
    const agg = aggregateByGroup(
      y,
      p,
      test.map((r) => r.patient_id as string),
      { pooling: 'mean', labelPolicy: 'any' },
    );
    const pat = calibrationSlope(agg.labels, agg.scores);
    expect(cal?.patient.unit).toBe('patient');
    expect(cal?.patient.n).toBe(report.results.T1?.patient.n);
    near(cal?.patient.slope, pat.slope);
    near(cal?.patient.slopeCI95?.[0], pat.slopeCI[0]);
    near(cal?.patient.intercept, pat.intercept);
    expect(cal?.patient.curve?.counts.reduce((s, v) => s + v, 0)).toBe(agg.labels.length);
    expect(cal?.patient.decisionCurve.map((d) => d.pt)).toEqual([0.05, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(Object.keys(report.calibration)).toEqual(['T1', 'T2', 'both']);
  });

  it('VBQ is evaluated on all patients (it fits nothing) and paired with the CNN on the test patients', () => {
    const ps = Array.from({ length: PATIENTS }, (_, i) => samplePatient(SEED, i)).filter((p) =>
      p.vertebrae.some((v) => !v.fracture),
    );
    const vbq = report.baselines.vbq;
    expect(vbq?.scope).toBe('all-patients');
    expect(vbq?.n).toBe(ps.length);
    expect(vbq?.auc).toBeCloseTo(
      rocAuc(
        ps.map(includedPatientLabel),
        ps.map((p) => measureVbq(p, SEED)),
      ),
      9,
    );
    expect(vbq?.test?.n).toBe(report.counts.testPatients);
    expect(vbq?.pairedDeLong).toEqual(vbq?.test?.pairedDeLong);
    expect(vbq?.test?.pairedDeLong.cnnAuc).toBeCloseTo(report.results.T1?.patient.auc as number, 9);
  });

  it('fills the TRIPOD+AI items a tool can know from the run, and leaves the rest to the authors', () => {
    const t = report.tripod;
    expect(t?.guideline).toContain('TRIPOD+AI');
    const ids = t?.items.map((i) => i.item) ?? [];
    // Every main-checklist item of TRIPOD+AI (2024), in order.
    expect(ids).toEqual(
      '1 2 3a 3b 3c 4 5a 5b 6a 6b 6c 7 8a 8b 8c 9a 9b 9c 10 11 12a 12b 12c 12d 12e 12f 12g 13 14 15 16 17 18a 18b 18c 18d 18e 18f 19 20a 20b 20c 21 22 23a 23b 24 25 26 27a 27b 27c'.split(
        ' ',
      ),
    );
    const text = (id: string) => t?.items.find((i) => i.item === id)?.text ?? '';
    for (const i of t?.items ?? [])
      if (i.status === 'authors') expect(i.text).toContain('To be reported by the authors');
    const ss = t?.sampleSize;
    expect(ss?.test.patients).toBe(report.counts.testPatients);
    expect((ss?.development.patients ?? 0) + (ss?.test.patients ?? 0)).toBe(report.counts.patients);
    expect(text('21')).toContain(`validation ${ss?.folds[0]?.validation.patients} patients`);
    expect(text('23a')).toContain(`T1: image AUC ${report.results.T1?.image.auc.toFixed(3)}`);
    expect(text('23a')).toContain(
      `calibration slope image ${report.calibration.T1?.recalibrated?.image.slope?.toFixed(3)}`,
    );
    expect(text('23a')).toContain(`(raw scores ${report.calibration.T1?.image.slope?.toFixed(3)}`);
    // the development recalibration is described, and its fitted maps are listed
    expect(text('12f')).toContain('per fold model on its own validation fold');
    expect(text('24')).toContain(
      `T1 images per fold model a ${report.calibration.T1?.recalibrated?.map.folds[0]?.intercept.toFixed(3)}`,
    );
    expect(text('23a')).toContain(`VBQ patient AUC ${report.baselines.vbq?.auc.toFixed(3)}`);
    expect(text('6b')).toContain(`${report.excluded.fracture} fracture`);
    expect(text('12a')).toContain(`Leakage audit: ${report.leakage.groupsInMultipleSplits} patients`);
    expect(text('8a')).toContain('T-score <= -2.5 at the same vertebra');
    expect(text('15')).toContain(`T1 image ${report.results.T1?.image.threshold.toFixed(3)}`);
    expect(text('18f')).toContain(report.versions.node);
    expect(text('5a')).toContain(`seed ${SEED}`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('TRIPOD+AI checklist');
    expect(html).toContain('Subgroups (hold-out test set)');
    expect(html).toContain('Patient-level calibration curves');
    expect(html).toContain(`all ${report.baselines.vbq?.n} patients`);
  });
});

describe('reproduce --include-excluded (sensitivity analysis)', () => {
  it('trains and evaluates on the excluded rows too, says so, and still counts them by reason', async () => {
    const { report, out } = await run(true);
    const manifest = csv(join(out, 'cohort', 'manifest.csv'));
    const fractured = manifest.filter((r) => r.exclude === 'fracture');
    expect(fractured.length).toBeGreaterThan(0);
    expect(report.config.includeExcluded).toBe(true);
    expect(report.title).toContain('sensitivity analysis: excluded rows included');
    expect(report.excluded).toEqual({ fracture: fractured.length });
    expect(report.counts.images).toBe(manifest.length);
    expect(csv(join(out, 'skipped.csv')).filter((s) => s.code === 'EXCLUDED')).toEqual([]);
    const preds = csv(join(out, 'predictions.csv'));
    const key = (r: Row) => `${r.patient_id}/${r.sequence}/${r.level}`;
    const predicted = new Set(preds.map(key));
    expect(fractured.every((r) => predicted.has(key(r)))).toBe(true);
    const side = await readSynthSidecar(join(out, 'cohort', 'manifest.csv'));
    expect(side).not.toBeNull();
    expect(report.oracle?.image.n).toBeGreaterThan(0);
    expect(report.tripod?.items.find((i) => i.item === '6b')?.text).toContain(
      'INCLUDED (sensitivity analysis',
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('INCLUDED (sensitivity analysis');
  }, 240_000);
});
