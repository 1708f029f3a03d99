import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { aggregateByGroup, applyRecalibration, chooseBand, fitRecalibration } from '@op-screen/metrics';
import { defaultDeps, IMAGE_SPLIT_NOTE, predictManifest, reportSchema, reproduce } from '@op-screen/pipeline';
import { readDicomIdentity, writeSyntheticCohort } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

const deps = { ...defaultDeps(), engine: linearEngine };
const quiet = () => {};

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

let cohortDir: string;
let firstRun: string;
let identities: string[];

beforeAll(async () => {
  cohortDir = mkdtempSync(join(tmpdir(), 'cohort-'));
  await writeSyntheticCohort(cohortDir, { patients: 40, seed: 5 });
  const ids = new Set<string>();
  for (const f of allFiles(join(cohortDir, 'series'))) {
    const b = readFileSync(f);
    const id = readDicomIdentity(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    ids.add(id.patientName);
    ids.add(id.patientId);
    for (const part of id.patientName.split('^')) if (part.length >= 6) ids.add(part);
  }
  identities = [...ids];
  // Bad rows appended to a copy of the manifest: the run must skip them and go on.
  const m = join(cohortDir, 'manifest.csv');
  appendFileSync(
    m,
    [
      'SYN0001,T1,L5,series/SYN0001/T1,-1.0,"1,1,10,10",,', // unknown level
      'SYN0001,T1,L1,series/SYN0001/T1,-1.0,"1,1,10,10",,', // duplicate
      'SYN0002,T2,L1,series/NOPE/T2,-1.0,"1,1,10,10",,', // missing file
      'SYN0003,T2,L2,series/SYN0003/T2,abc,"1,1,10,10",,', // non-numeric T-score
      'SYN0099,T1,L1,broken.dcm,-3.0,"1,1,10,10",,', // unreadable image
      'SYN0099,T1,L2,series/SYN0004/T1,-3.0,"120,120,30,30",,', // ROI outside the slice
      '',
    ].join('\n'),
  );
  writeFileSync(join(cohortDir, 'broken.dcm'), 'this is not DICOM');
}, 60_000);

describe('reproduce (orchestration, fast linear engine)', () => {
  it('writes the run directory contract: report.json matching its schema, predictions.csv, skipped.csv, report.html', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    await reproduce(
      { manifest: join(cohortDir, 'manifest.csv'), out, preset: 'tiny', epochs: 3, log: quiet },
      deps,
    );
    const report = reportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    // a cohort written by `op-screen synth` stays marked synthetic when passed as --manifest
    // (its sidecar), and the report carries the oracle on the run's test patients
    expect(report.synthetic).toBe(true);
    expect(report.title).toContain('synthetic data');
    expect(report.oracle?.image.auc).toBeGreaterThan(0.5);
    expect(report.oracle?.patient.n).toBe(report.counts.testPatients);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(
      /the model reaches <b>[\d.]+<\/b> of an attainable/,
    );
    expect(report.split).toBe('patient');
    expect(report.leakage.groupsInMultipleSplits).toBe(0);
    expect(report.config.preset).toBe('tiny');
    for (const seq of ['T1', 'T2', 'both'] as const) {
      const r = report.results[seq];
      expect(r, seq).toBeDefined();
      for (const level of ['image', 'patient'] as const) {
        const b = r?.[level];
        expect(b?.aucCI95[0]).toBeLessThanOrEqual(b?.auc as number);
        expect(b?.aucCI95[1]).toBeGreaterThanOrEqual(b?.auc as number);
        expect(b?.folds).toHaveLength(2);
      }
      expect(r?.patient.n).toBeLessThan(r?.image.n as number);
    }
    expect(report.baselines.vbq?.auc).toBeGreaterThan(0);
    // Recalibration and the band, recomputed from predictions.csv's validation rows: each fold
    // model's map is the logistic fit on its own validation fold, the patient map the fit on each
    // development patient's mean probability, and the band is chosen on those patients, recalibrated.
    const rows = parse(readFileSync(join(out, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    for (const seq of ['T1', 'T2'] as const) {
      const cal = report.calibration[seq]?.recalibrated;
      expect(cal, seq).toBeTruthy();
      const val = rows.filter((q) => q.sequence === seq && q.split === 'val');
      cal?.map.folds.forEach((m, k) => {
        const fold = val.filter((q) => q.fold === String(k));
        const fit = fitRecalibration(
          fold.map((q) => Number(q.label)),
          fold.map((q) => Number(q.score)),
        );
        if (fit.slope > 0) {
          expect(m.method).toBe('logistic');
          expect(Math.abs(m.intercept - fit.intercept)).toBeLessThan(1e-9);
          expect(Math.abs(m.slope - fit.slope)).toBeLessThan(1e-9);
        } else expect(m.method).not.toBe('logistic');
        // the fold's rows carry its model's score through its map
        for (const q of fold.slice(0, 10))
          expect(Number(q.probability)).toBeCloseTo(
            applyRecalibration([Number(q.score)], m)[0] as number,
            12,
          );
      });
      const byPatient = aggregateByGroup(
        val.map((q) => Number(q.label)),
        val.map((q) => Number(q.probability)),
        val.map((q) => q.patient_id),
        { pooling: 'mean' },
      );
      const patientMap = cal?.map.patient as { intercept: number; slope: number };
      const fitP = fitRecalibration(byPatient.labels, byPatient.scores);
      if (fitP.slope > 0) expect(Math.abs(patientMap.slope - fitP.slope)).toBeLessThan(1e-6);
      const band = report.band[seq];
      if (band) {
        const want = chooseBand(byPatient.labels, applyRecalibration(byPatient.scores, patientMap), {
          sensitivity: 0.9,
          specificity: 0.9,
        });
        expect(band.ruleOut).toBeCloseTo(want.ruleOut, 9);
        expect(band.ruleIn).toBeCloseTo(want.ruleIn, 9);
        expect(band.test.n).toBe(report.results[seq]?.patient.n);
      }
      // a test row's probability is the mean of the fold models' recalibrated scores
      expect(
        rows.filter((q) => q.sequence === seq && q.split === 'test').every((q) => Number(q.probability) > 0),
      ).toBe(true);
    }
    // Six bad rows, each with a reason, the run went on (plus the cohort's own exclude=fracture rows).
    const all = parse(readFileSync(join(out, 'skipped.csv'), 'utf8'), { columns: true }) as Array<{
      code: string;
      reason: string;
    }>;
    const excludedRows = all.filter((s) => s.code === 'EXCLUDED');
    expect(excludedRows.every((s) => s.reason.includes('fracture'))).toBe(true);
    expect(report.excluded.fracture ?? 0).toBe(excludedRows.length);
    expect(report.skipped).toBe(6 + excludedRows.length);
    const skipped = all.filter((s) => s.code !== 'EXCLUDED');
    expect(skipped.map((s) => s.code).sort()).toEqual([
      'DUPLICATE',
      'INVALID_ROW',
      'INVALID_ROW',
      'INVALID_ROW',
      'MISSING_FILE',
      'UNREADABLE_IMAGE',
    ]);
    expect(skipped.find((s) => s.reason.includes('outside'))).toBeDefined();
    // reasons identify rows by line and name at most a file, never its directories
    expect(all.filter((s) => s.reason.includes('/'))).toEqual([]);
    // every field of every CSV the run writes is quoted
    for (const f of ['predictions.csv', 'skipped.csv'])
      for (const l of readFileSync(join(out, f), 'utf8').trim().split('\n'))
        expect(l, f).toMatch(/^"([^"]|"")*"(,"([^"]|"")*")*$/);
    const preds = parse(readFileSync(join(out, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(Object.keys(preds[0] as object)).toEqual([
      'patient_id',
      'sequence',
      'level',
      'fold',
      'split',
      'label',
      'score',
      'probability',
      'answer',
    ]);
    expect(new Set(preds.map((p) => p.split))).toEqual(new Set(['train', 'val', 'test']));
    const testPatients = new Set(preds.filter((p) => p.split === 'test').map((p) => p.patient_id));
    for (const p of preds.filter((p) => p.split !== 'test'))
      expect(testPatients.has(p.patient_id as string)).toBe(false);
    expect(testPatients.size).toBe(report.counts.testPatients);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).toContain('Synthetic data: these numbers describe the built-in generative model');
    firstRun = out;
  });

  it("predict scores new cases with the run's fold models, matching the run's own test-set scores", async () => {
    const r = await predictManifest(
      { model: join(firstRun, 'model'), manifest: join(cohortDir, 'manifest.csv') },
      deps,
    );
    const excluded = r.skipped.filter((s) => s.code === 'EXCLUDED').length;
    expect(r.skipped.length - excluded).toBe(6);
    expect(r.predictions.length).toBe(40 * 8 - excluded);
    const preds = parse(readFileSync(join(firstRun, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    const tests = preds.filter((p) => p.split === 'test');
    expect(tests.length).toBeGreaterThan(0);
    for (const t of tests) {
      const p = r.predictions.find(
        (q) => q.patientId === t.patient_id && q.sequence === t.sequence && q.level === t.level,
      );
      // predictions.csv stores 6 significant digits.
      expect(p?.score).toBeCloseTo(Number(t.score), 5);
      expect(p?.label).toBe(Number(t.label));
      // the run's image-level recalibration map, as predictions.csv applied it
      expect(p?.probability).toBeCloseTo(Number(t.probability), 5);
      // the patient's three-way answer for the sequence, as predictions.csv has it on test rows
      const patient = r.patients.find((q) => q.patientId === t.patient_id && q.sequence === t.sequence);
      expect(patient?.answer).toBe(t.answer);
      expect(['low', 'indeterminate', 'high']).toContain(t.answer);
    }
    // the folds' rows carry a probability but no answer
    const folds = preds.filter((q) => q.split !== 'test');
    expect(folds.every((q) => q.answer === '' && Number.isFinite(Number(q.probability)))).toBe(true);
    await expect(
      predictManifest({ model: join(cohortDir, 'nope'), manifest: join(cohortDir, 'manifest.csv') }, deps),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('never writes a DICOM patient name or ID anywhere in the run directory', async () => {
    expect(identities.length).toBeGreaterThan(40);
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    await reproduce(
      { manifest: join(cohortDir, 'manifest.csv'), out, preset: 'tiny', epochs: 1, log: quiet },
      deps,
    );
    const files = allFiles(out);
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const id of identities)
        expect(text.includes(id), `${relative(out, f)} contains a DICOM identifier`).toBe(false);
    }
  });

  it("labels the study's image-level split as optimistic and counts the shared patients", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    const { report } = await reproduce(
      {
        manifest: join(cohortDir, 'manifest.csv'),
        out,
        preset: 'tiny',
        epochs: 1,
        split: 'image',
        sequence: 'T1',
        log: quiet,
      },
      deps,
    );
    expect(report.split).toBe('image');
    expect(report.splitNote).toBe(IMAGE_SPLIT_NOTE);
    expect(report.leakage.groupsInMultipleSplits).toBeGreaterThan(0);
    expect(report.results.T2).toBeUndefined();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(IMAGE_SPLIT_NOTE);
  });

  it('synthesises the default cohort when no manifest is given and says so in the title', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    const { report } = await reproduce({ out, preset: 'tiny', epochs: 1, sequence: 'T2', log: quiet }, deps);
    expect(report.synthetic).toBe(true);
    expect(report.title).toMatch(/synthetic data/);
    expect(report.counts.patients).toBe(12);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<h1>[^<]*synthetic data/);
  });

  it('refuses to reuse a non-empty --out without --resume, and a --resume with different options', async () => {
    const out = mkdtempSync(join(tmpdir(), 'run-'));
    writeFileSync(join(out, 'notes.txt'), 'user file');
    await expect(reproduce({ out, preset: 'tiny', log: quiet }, deps)).rejects.toMatchObject({
      code: 'OUT_NOT_EMPTY',
    });
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('user file');
    await expect(reproduce({ out, preset: 'tiny', resume: true, log: quiet }, deps)).rejects.toMatchObject({
      code: 'RESUME_MISMATCH',
    });
    const run = join(out, 'run');
    mkdirSync(run);
    await reproduce(
      {
        manifest: join(cohortDir, 'manifest.csv'),
        out: run,
        preset: 'tiny',
        epochs: 1,
        sequence: 'T1',
        log: quiet,
      },
      deps,
    );
    await expect(
      reproduce(
        {
          manifest: join(cohortDir, 'manifest.csv'),
          out: run,
          preset: 'tiny',
          epochs: 2,
          sequence: 'T1',
          resume: true,
          log: quiet,
        },
        deps,
      ),
    ).rejects.toMatchObject({
      code: 'RESUME_MISMATCH',
      // names each differing key with both values
      message: expect.stringMatching(/config\.epochs: run has 1, now 2/),
    });
  });

  it('refuses a missing manifest before writing anything, so the retry is not blocked', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r3');
    await expect(
      reproduce({ manifest: join(cohortDir, 'nope.csv'), out, preset: 'tiny', log: quiet }, deps),
    ).rejects.toMatchObject({ code: 'MANIFEST_UNREADABLE' });
    expect(existsSync(out)).toBe(false);
    const r = await reproduce(
      {
        manifest: join(cohortDir, 'manifest.csv'),
        out,
        preset: 'tiny',
        epochs: 1,
        sequence: 'T1',
        log: quiet,
      },
      deps,
    );
    expect(r.report.results.T1).toBeDefined();
  });

  it('stops the study preset without weights, naming the option (the CLI names the flag)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    await expect(reproduce({ out, preset: 'study', log: quiet }, deps)).rejects.toMatchObject({
      code: 'WEIGHTS_REQUIRED',
      option: 'weights',
      message: expect.not.stringContaining('--'),
    });
  });
});
