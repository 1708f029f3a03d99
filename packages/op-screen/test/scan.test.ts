import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSlice } from '@op-screen/mri-io';
import { defaultDeps, reproduce } from '@op-screen/pipeline';
import { readManifest } from '@op-screen/study';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CohortPatient, writePacsExport } from '../../mri-io/test/fixtures/pacs-export.mjs';
import { registerScanCommand } from '../src/commands/scan.js';
import { matchDxa, parseDxa } from '../src/scan/dxa.js';
import { linearEngine } from './helpers/linear-engine.js';

const tmp = mkdtempSync(join(tmpdir(), 'op-screen-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ROOT = join(tmp, 'export');
let cohort: CohortPatient[];

beforeAll(() => {
  cohort = writePacsExport(ROOT, { seed: 21, patients: 6, repeatedT2: 1, enhanced: 2, flat: 3 }).cohort;
});

async function run(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  const program = new Command().exitOverride();
  registerScanCommand(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    await program.parseAsync(['node', 'op-screen', 'scan', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

function days(date: string, delta: number): string {
  const d = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + delta);
  return d.toISOString().slice(0, 10);
}

/** Every identifier of the generated cohort, and the parts of each name. */
function identifiers(): string[] {
  return cohort.flatMap((p) => [
    p.patientId,
    p.patientName,
    ...p.patientName.split('^'),
    p.birthDate,
    `${p.birthDate.slice(0, 4)}-${p.birthDate.slice(4, 6)}-${p.birthDate.slice(6, 8)}`,
    p.accessionNumber,
  ]);
}

function expectNoIdentifiers(text: string, what: string): void {
  for (const id of identifiers()) expect(text.includes(id), `${what} holds the identifier ${id}`).toBe(false);
}

describe('op-screen scan', () => {
  it('prints a table and --json without identifiers, with roles and orientation', async () => {
    const table = await run([ROOT]);
    expect(table.code).toBeUndefined();
    expect(table.out).toMatch(/t1_tse_sag\s+sagittal\s+T1\s+11/);
    expect(table.out).toMatch(/t2_tse_tra\s+oblique \(axial 15°\)\s+T2\s+12/);
    expect(table.out).toMatch(/localizer\s+mixed\s+localizer\s+3/);
    const json = await run([ROOT, '--json']);
    const r = JSON.parse(json.out);
    expect(r.patients).toHaveLength(6);
    expect(r.patients[0]).toMatchObject({ key: 'P0001' });
    expect(r.patients[0].studies[0]).toHaveProperty('studyInstanceUID');
    expect(r.patients[0].studies[0].series[0]).toHaveProperty('reason');
    expect(r.nonDicom).toBe(2);
    expect(r.skipped.map((s: { code: string }) => s.code)).toEqual(['TRUNCATED']);
    for (const [what, text] of [
      ['table stdout', table.out],
      ['table stderr', table.err],
      ['json stdout', json.out],
      ['json stderr', json.err],
    ])
      expectNoIdentifiers(text, what);
  });

  it('writes a manifest, a 0600 key file and joins a wide DXA CSV; no output byte holds an identifier', async () => {
    const wide = [
      'patient_id,L1,L2,L3,L4,date',
      `${cohort[0].patientId},-1.2,-2.6,-2.0,-3.1,${days(cohort[0].studyDate, -30)}`,
      `${cohort[1].patientId},0.5,0.4,,0.1,${days(cohort[1].studyDate, 200)}`,
      `${cohort[2].patientId},-2.5,-2.5,-2.5,-2.5,${days(cohort[2].studyDate, 900)}`, // outside the window
      `${cohort[3].patientId},-1.0,-1.0,-1.0,-1.0,`,
      'H-NOT-IN-EXPORT,1,1,1,1,',
    ].join('\n');
    writeFileSync(join(tmp, 'dxa.csv'), wide);
    const manifest = join(tmp, 'manifest.csv');
    const key = join(tmp, 'KEY.csv');
    const res = await run([
      ROOT,
      '--manifest',
      manifest,
      '--key',
      key,
      '--dxa',
      join(tmp, 'dxa.csv'),
      '--json',
    ]);
    expect(res.code).toBeUndefined();
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const m = await readManifest(manifest, { requireLabel: false });
    expect(m.skipped).toEqual([]);
    expect(m.rows).toHaveLength(6 * 2 * 4);
    expect(m.rows.every((row) => row.roi === undefined)).toBe(true);
    const keys = parse(readFileSync(key, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const keyOf = (p: CohortPatient) => keys.find((k) => k.patient_id === p.patientId)?.pseudonym as string;
    expect(keys.map((k) => k.accession_numbers).sort()).toEqual(cohort.map((p) => p.accessionNumber).sort());
    const t = (p: CohortPatient, seq: string, level: string) =>
      m.rows.find((row) => row.patientId === keyOf(p) && row.sequence === seq && row.level === level)?.tScore;
    expect(t(cohort[0], 'T1', 'L2')).toBe(-2.6);
    expect(t(cohort[0], 'T2', 'L4')).toBe(-3.1);
    expect(t(cohort[1], 'T1', 'L3')).toBeUndefined();
    expect(t(cohort[1], 'T1', 'L4')).toBe(0.1);
    expect(t(cohort[2], 'T1', 'L1')).toBeUndefined();
    expect(t(cohort[3], 'T2', 'L1')).toBe(-1);
    const report = JSON.parse(res.out);
    expect(report.manifest.dxa.matched.sort()).toEqual([cohort[0], cohort[1], cohort[3]].map(keyOf).sort());
    expect(report.manifest.dxa['out-of-window']).toEqual([keyOf(cohort[2])]);
    expect(report.manifest.dxa.missing.sort()).toEqual([cohort[4], cohort[5]].map(keyOf).sort());
    expect(res.err).toMatch(/no DXA \(missing\): P000\d, P000\d/);

    // the series-choice rule: the repeated sag T2 with more slices wins, the other is listed
    const rep = cohort[1];
    const chosen = report.manifest.choices.find((c: { key: string }) => c.key === keyOf(rep));
    const t2s = rep.series.filter((s) => s.description === 't2_tse_sag');
    expect(chosen.T2).toBe(t2s.find((s) => s.seriesNumber === 7)?.seriesInstanceUID);
    expect(chosen.notChosen.map((n: { seriesInstanceUID: string }) => n.seriesInstanceUID)).toEqual([
      t2s.find((s) => s.seriesNumber === 4)?.seriesInstanceUID,
    ]);
    // every manifest image reads as the chosen series (enhanced file, series directory, mid-slice file)
    for (const p of cohort) {
      for (const seq of ['T1', 'T2'] as const) {
        const row = m.rows.find((r) => r.patientId === keyOf(p) && r.sequence === seq);
        const slice = await readSlice(row?.image as string);
        const want = p.series.find(
          (s) =>
            s.seriesInstanceUID ===
            report.manifest.choices.find((c: { key: string }) => c.key === keyOf(p))[seq],
        );
        expect(want?.files).toContain(slice.source.path);
        expect(slice.rows).toBe(64);
      }
    }
    expect(statSync(m.rows.find((r) => r.patientId === keyOf(cohort[3]))?.image as string).isFile()).toBe(
      true,
    );

    // the identifier audit: stdout, stderr, the manifest and the JSON report
    expectNoIdentifiers(res.out, 'stdout');
    expectNoIdentifiers(res.err, 'stderr');
    expectNoIdentifiers(readFileSync(manifest, 'utf8'), 'manifest');
    const keyText = readFileSync(key, 'utf8');
    for (const p of cohort) expect(keyText).toContain(p.patientId); // ... they are in the key file only
  });

  it('uses keyed-hash pseudonyms with --salt-file and joins a long dated DXA CSV', async () => {
    writeFileSync(join(tmp, 'salt'), 'a-secret-of-more-than-16-bytes\n');
    const long = [
      'patient_id,level,t_score,date',
      `${cohort[4].patientId},L1,-2.7,${days(cohort[4].studyDate, 10)}`,
      `${cohort[4].patientId},L1,-1.0,${days(cohort[4].studyDate, -300)}`,
      `${cohort[4].patientId},L3,-2.9,${days(cohort[4].studyDate, 5)}`,
    ].join('\n');
    writeFileSync(join(tmp, 'dxa-long.csv'), long);
    const manifest = join(tmp, 'm2.csv');
    const key = join(tmp, 'K2.csv');
    const args = [ROOT, '--manifest', manifest, '--key', key, '--dxa', join(tmp, 'dxa-long.csv')];
    const res = await run([...args, '--salt-file', join(tmp, 'salt')]);
    expect(res.code).toBeUndefined();
    const keys = parse(readFileSync(key, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(keys.every((k) => /^P[0-9A-F]{12}$/.test(k.pseudonym))).toBe(true);
    const k4 = keys.find((k) => k.patient_id === cohort[4].patientId)?.pseudonym;
    const m = await readManifest(manifest, { requireLabel: false });
    expect(m.rows.find((r) => r.patientId === k4 && r.level === 'L1')?.tScore).toBe(-2.7); // the closest date
    expect(m.rows.find((r) => r.patientId === k4 && r.level === 'L3')?.tScore).toBe(-2.9);
    expectNoIdentifiers(res.out + res.err + readFileSync(manifest, 'utf8'), 'salted run');
  });

  it('refuses bad option combinations with typed errors', async () => {
    await expect(run([ROOT, '--manifest', join(tmp, 'x.csv')])).rejects.toMatchObject({ code: 'BAD_OPTION' });
    writeFileSync(join(tmp, 'short-salt'), 'short');
    await expect(
      run([
        ROOT,
        '--manifest',
        join(tmp, 'x.csv'),
        '--key',
        join(tmp, 'k.csv'),
        '--salt-file',
        join(tmp, 'short-salt'),
      ]),
    ).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(
      run([ROOT, '--manifest', join(tmp, 'x.csv'), '--key', join(tmp, 'KEY.csv')]),
    ).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/never overwrites a key file/),
    });
    writeFileSync(join(tmp, 'bad-dxa.csv'), 'id,score\n1,2\n');
    await expect(
      run([
        ROOT,
        '--manifest',
        join(tmp, 'x.csv'),
        '--key',
        join(tmp, 'k.csv'),
        '--dxa',
        join(tmp, 'bad-dxa.csv'),
      ]),
    ).rejects.toMatchObject({ code: 'DXA_UNREADABLE' });
  });
});

describe('scan -> manifest -> reproduce', () => {
  it('runs reproduce on the manifest scan writes once ROI boxes are filled in', async () => {
    const root = join(tmp, 'export12');
    const big = writePacsExport(root, {
      seed: 33,
      patients: 12,
      repeatedT2: 4,
      enhanced: 5,
      flat: 6,
      junk: false,
    }).cohort;
    const dxa = [
      'patient_id,L1,L2,L3,L4',
      ...big.map(
        (p, i) => `${p.patientId},${i % 2 ? -3 : -1},${i % 2 ? -2.6 : -0.5},-1.5,${i % 2 ? -2.8 : 0.2}`,
      ),
    ];
    writeFileSync(join(tmp, 'dxa12.csv'), dxa.join('\n'));
    const manifest = join(tmp, 'm12.csv');
    const res = await run([
      root,
      '--manifest',
      manifest,
      '--key',
      join(tmp, 'k12.csv'),
      '--dxa',
      join(tmp, 'dxa12.csv'),
    ]);
    expect(res.code).toBeUndefined();
    // the annotator's step: a box per vertebra on the mid-sagittal slice
    const recs = parse(readFileSync(manifest, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(recs).toHaveLength(12 * 2 * 4);
    const boxes = { L1: '8,6,20,10', L2: '8,18,20,10', L3: '8,30,20,10', L4: '8,42,20,10' } as Record<
      string,
      string
    >;
    const lines = ['patient_id,sequence,level,image,t_score,roi,slice,csf_roi'];
    for (const r of recs)
      lines.push(`${r.patient_id},${r.sequence},${r.level},${r.image},${r.t_score},"${boxes[r.level]}",,`);
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const out = join(tmp, 'run12');
    await reproduce(
      { manifest, out, preset: 'tiny', epochs: 2, log: () => {} },
      { ...defaultDeps(), engine: linearEngine },
    );
    // The one Enhanced MR series (patient 5's sagittal T2) has frames of one value each: its four
    // crops are constant, so they are skipped as CONSTANT_CROP and nothing else is.
    const skipped = parse(readFileSync(join(out, 'skipped.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(skipped.map((r) => r.code)).toEqual([
      'CONSTANT_CROP',
      'CONSTANT_CROP',
      'CONSTANT_CROP',
      'CONSTANT_CROP',
    ]);
    const rowsAt = skipped.map((r) => recs[Number(r.line) - 2] as Record<string, string>);
    expect(new Set(rowsAt.map((r) => `${r.patient_id} ${r.sequence}`)).size).toBe(1);
    expect(rowsAt.map((r) => `${r.sequence} ${r.level}`)).toEqual(['T2 L1', 'T2 L2', 'T2 L3', 'T2 L4']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.results.T1).toBeDefined();
    expect(report.results.T2).toBeDefined();
    const outputs = ['report.json', 'predictions.csv', 'skipped.csv']
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('');
    for (const p of big)
      for (const id of [p.patientId, p.patientName, p.birthDate, p.accessionNumber])
        expect(outputs.includes(id), `run output holds ${id}`).toBe(false);
  });
});

describe('DXA matching rule', () => {
  it('takes the closest dated row in the window, a single undated row, and reports ambiguity', () => {
    const t = parseDxa(
      'patient_id,level,t_score,date\nA,L1,-1,2024-01-10\nA,L1,-2,2023-12-01\nB,L2,-3,\nB,L2,-4,\n',
      'x',
    );
    expect(matchDxa(t.byPatient.get('A'), '2024-01-01', 365)).toEqual({
      status: 'matched',
      tScores: { L1: -1 },
      days: 9,
    });
    expect(matchDxa(t.byPatient.get('A'), '2026-01-01', 365)).toEqual({ status: 'out-of-window' });
    expect(matchDxa(t.byPatient.get('B'), '2024-01-01', 365)).toEqual({ status: 'ambiguous' });
    expect(matchDxa(undefined, '2024-01-01', 365)).toEqual({ status: 'missing' });
    const w = parseDxa('patient_id,L1,L2,L3,L4\nC,-1,x,,2\n', 'w');
    expect(w.format).toBe('wide');
    expect(w.byPatient.get('C')?.map((e) => e.level)).toEqual(['L1', 'L4']);
    expect(w.skipped).toEqual([{ line: 2, reason: 'L2 T-score is not a number in [-10, 10]' }]);
  });

  it('parses mutated DXA CSVs to a table or a DXA_UNREADABLE error, nothing else', () => {
    const cell = fc.constantFrom(
      'patient_id',
      'level',
      't_score',
      'date',
      'L1',
      'L4',
      'H1',
      '-2.5',
      'x',
      '',
      '"',
      '2024-01-01',
      '1.2.3',
    );
    const csv = fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(csv, fc.constantFrom('2024-01-01', null), (rows, date) => {
        const text = rows.map((r) => r.join(',')).join('\n');
        try {
          const t = parseDxa(text, 'fuzz.csv');
          for (const entries of t.byPatient.values()) {
            const m = matchDxa(entries, date, 365);
            expect(['matched', 'missing', 'out-of-window', 'ambiguous']).toContain(m.status);
          }
        } catch (err) {
          expect((err as { code?: string }).code).toBe('DXA_UNREADABLE');
        }
      }),
      { numRuns: 500, seed: 3 },
    );
  });
});
