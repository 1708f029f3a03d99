import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guessRole,
  orientationOf,
  readDicom,
  readSlice,
  type ScanOutput,
  scanDicomTree,
} from '../src/index.js';
import { type CohortPatient, writeDicom, writePacsExport } from './fixtures/pacs-export.mjs';
import { DATA, expectMriIoError } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mri-io-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let cohort: CohortPatient[];
let out: ScanOutput;
beforeAll(async () => {
  cohort = writePacsExport(join(tmp, 'pacs'), { seed: 11, patients: 6 }).cohort;
  // a file whose pixel data is cut short: a header-only scan must still list it as an image
  mkdirSync(join(tmp, 'pacs', 'cut'));
  copyFileSync(`${DATA}dicom/generated/bad/truncated_pixeldata.dcm`, join(tmp, 'pacs', 'cut', 'x'));
  // a DICOMDIR: listed as not an image, never needed
  writeFileSync(
    join(tmp, 'pacs', 'DICOMDIR'),
    writeDicom(
      [
        [0x00041130, 'CS', 'OPSCREEN'],
        [0x00041200, 'UL', 0],
      ],
      '1.2.840.10008.1.3.10',
      '2.25.7',
    ),
  );
  out = await scanDicomTree(join(tmp, 'pacs'), { headBytes: 1024 });
});

function seriesOf(key: string) {
  const p = out.report.patients.find((q) => q.key === key);
  return p?.studies.flatMap((s) => s.series) ?? [];
}

describe('scanDicomTree', () => {
  it('groups patient -> study -> series with pseudonyms and accounts for every file', () => {
    const r = out.report;
    expect(r.patients).toHaveLength(7); // 6 generated + the truncated file's patient
    expect(r.patients.map((p) => p.key)).toEqual([
      'P0001',
      'P0002',
      'P0003',
      'P0004',
      'P0005',
      'P0006',
      'P0007',
    ]);
    expect(r.nonDicom).toBe(2); // README.txt, .DS_Store
    expect(r.skipped.map((s) => [s.path.slice(join(tmp, 'pacs').length), s.code])).toEqual([
      ['/DICOMDIR', 'NO_PIXEL_DATA'],
      ['/misc/broken', 'TRUNCATED'], // cut inside the meta
    ]);
    expect(r.skipped[0].message).toMatch(/DICOMDIR/);
    expect(r.images + r.nonDicom + r.skipped.length).toBe(r.files);
    const json = JSON.stringify(r);
    for (const p of cohort) {
      for (const id of [p.patientId, p.patientName, p.birthDate, p.accessionNumber])
        expect(json).not.toContain(id);
      const ident = out.identities.find((i) => i.patientId === p.patientId);
      expect(ident?.accessionNumbers).toEqual([p.accessionNumber]);
    }
  });

  it('reports orientation, role, slices, spacing and FOV per series', () => {
    for (const p of cohort) {
      const key = out.identities.find((i) => i.patientId === p.patientId)?.key as string;
      const series = seriesOf(key);
      expect(series).toHaveLength(p.series.length);
      for (const want of p.series) {
        const s = series.find((x) => x.seriesInstanceUID === want.seriesInstanceUID);
        expect(s, want.description).toBeDefined();
        if (!s) continue;
        expect(s.role).toBe(want.role);
        expect(s.reason.length).toBeGreaterThan(5);
        if (want.plane === 'mixed') expect(s.orientation).toBe('mixed');
        else if (want.plane === 'axial') {
          expect(s.orientation).toBe('oblique');
          expect(s.nearestPlane).toBe('axial');
          expect(s.obliqueAngle).toBeCloseTo(15, 0);
        } else expect(s.orientation).toBe('sagittal');
        if (want.plane === 'sagittal') {
          expect(s.slices).toBeGreaterThanOrEqual(11);
          expect(s.fov).toEqual([76.8, 76.8]);
          expect(s.sliceSpacing).toBeCloseTo(s.enhanced ? 4 : 4.4, 3);
        }
        expect(s.files.sort()).toEqual([...want.files].sort());
      }
    }
  });

  it('reads an Enhanced MR series as one series of frames', async () => {
    const p = cohort[2];
    const key = out.identities.find((i) => i.patientId === p.patientId)?.key as string;
    const s = seriesOf(key).find((x) => x.enhanced);
    expect(s?.description).toBe('t2_tse_sag');
    expect(s?.slices).toBe(11);
    expect(s?.files).toHaveLength(1);
    const slice = await readSlice(s?.image as string);
    expect(slice.source.count).toBe(11);
  });

  it('points image at the series directory, or at the mid-slice file when a folder mixes series', async () => {
    const flat = out.identities.find((i) => i.patientId === cohort[3].patientId)?.key as string;
    for (const s of seriesOf(flat)) expect(s.imageKind).toBe('mid-slice-file');
    const other = out.identities.find((i) => i.patientId === cohort[0].patientId)?.key as string;
    for (const s of seriesOf(other)) {
      expect(s.imageKind).toBe('directory');
      const slice = await readSlice(s.image);
      expect(slice.rows).toBe(64);
    }
  });

  it('never decodes pixel data: a file cut inside its pixels is still scanned', async () => {
    await expectMriIoError(readDicom(join(tmp, 'pacs', 'cut', 'x')), ['TRUNCATED']);
    const all = out.report.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    expect(all.some((s) => s.files.includes(join(tmp, 'pacs', 'cut', 'x')))).toBe(true);
  });

  it('keyed pseudonyms depend on the salt and never on the order', async () => {
    const a = await scanDicomTree(join(tmp, 'pacs'), { salt: 'salt-one' });
    const b = await scanDicomTree(join(tmp, 'pacs'), { salt: 'salt-two' });
    expect(a.report.patients[0].key).toMatch(/^P[0-9A-F]{12}$/);
    expect(new Set(a.identities.map((i) => i.key)).size).toBe(7);
    const ka = a.identities.find((i) => i.patientId === cohort[0].patientId)?.key;
    const kb = b.identities.find((i) => i.patientId === cohort[0].patientId)?.key;
    expect(ka).not.toBe(kb);
    await expectMriIoError(scanDicomTree(join(tmp, 'pacs'), { salt: '' }), ['BAD_ARGUMENT']);
    await expectMriIoError(scanDicomTree(join(tmp, 'nope')), ['NOT_FOUND']);
  });

  it('survives mutated headers: every file is an image, non-DICOM or skipped with a typed code', async () => {
    const src = cohort[2].series.find((s) => s.description === 't2_tse_sag')?.files[0] as string;
    const classic = cohort[0].series[1].files[0];
    const bytesE = readFileSync(src);
    const bytesC = readFileSync(classic);
    const dir = join(tmp, 'fuzz');
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 10 }),
        async (enhanced, muts) => {
          const base = enhanced ? bytesE : bytesC;
          const bytes = Uint8Array.from(base);
          const headerEnd = Buffer.from(base).indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
          for (const [i, v] of muts) bytes[128 + (i % (headerEnd - 120))] = v;
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir);
          writeFileSync(join(dir, 'f'), bytes);
          const r = await scanDicomTree(dir, { headBytes: 512 });
          expect(r.report.images + r.report.nonDicom + r.report.skipped.length).toBe(1);
        },
      ),
      { numRuns: 300, seed: 5, interruptAfterTimeLimit: 25_000 },
    );
  });
});

describe('role and orientation rules', () => {
  const base = {
    imageType: [],
    seriesDescription: null,
    protocolName: null,
    sequenceName: null,
    scanningSequence: [],
    repetitionTime: null,
    echoTime: null,
    inversionTime: null,
    orientation: 'sagittal' as const,
    slices: 15,
  };
  it('follows the documented order: localizer, names, timing, other', () => {
    expect(guessRole({ ...base, seriesDescription: 't1_tse_sag', imageType: ['LOCALIZER'] }).role).toBe(
      'localizer',
    );
    expect(guessRole({ ...base, seriesDescription: 'AAHead_Scout' }).role).toBe('localizer');
    expect(guessRole({ ...base, seriesDescription: 't2_tirm_sag' }).role).toBe('STIR');
    expect(guessRole({ ...base, protocolName: 'pd_tse_sag' }).role).toBe('PD');
    expect(
      guessRole({ ...base, seriesDescription: 'SAG T1', repetitionTime: 4000, echoTime: 100 }).role,
    ).toBe('T1');
    expect(guessRole({ ...base, repetitionTime: 550, echoTime: 9 })).toEqual({
      role: 'T1',
      reason: 'TR 550 ms, TE 9 ms: short TR and TE',
    });
    expect(guessRole({ ...base, repetitionTime: 3000, echoTime: 90 }).role).toBe('T2');
    expect(guessRole({ ...base, repetitionTime: 3000, echoTime: 20 }).role).toBe('PD');
    expect(
      guessRole({ ...base, scanningSequence: ['IR'], inversionTime: 160, repetitionTime: 4000, echoTime: 60 })
        .role,
    ).toBe('STIR');
    expect(guessRole({ ...base, orientation: 'mixed', slices: 3 }).role).toBe('localizer');
    expect(guessRole(base).role).toBe('other');
  });
  it('names planes within 10 degrees and reports the angle of oblique ones', () => {
    expect(orientationOf([-1, 0, 0]).orientation).toBe('sagittal');
    expect(orientationOf([0, 1, 0]).orientation).toBe('coronal');
    const t = (20 * Math.PI) / 180;
    const o = orientationOf([0, Math.sin(t), Math.cos(t)]);
    expect(o).toEqual({ orientation: 'oblique', nearestPlane: 'axial', obliqueAngle: 20 });
    expect(orientationOf(null).orientation).toBe('unknown');
  });
});
