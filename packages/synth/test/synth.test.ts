import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_COLUMNS, readManifest } from '@op-screen/study';
import { parse } from 'csv-parse/sync';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { readDicomIdentity, renderSeries, samplePatient, writeSyntheticCohort } from '../src/index.js';

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    saa += ((a[i] as number) - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('synthetic cohort', () => {
  it('has about 20% osteoporotic vertebrae, correlated within a patient, fat rising as T-score falls', () => {
    const patients = Array.from({ length: 400 }, (_, i) => samplePatient(7, i));
    const v = patients.flatMap((p) => p.vertebrae);
    const prevalence = v.filter((x) => x.tScore <= -2.5).length / v.length;
    // Binomial SD at n=1600, p=0.2 is 0.01 (plus patient clustering); the model targets about 0.20 (see README).
    expect(prevalence).toBeGreaterThan(0.16);
    expect(prevalence).toBeLessThan(0.24);
    expect(
      pearson(
        v.map((x) => x.tScore),
        v.map((x) => x.fatFraction),
      ),
    ).toBeLessThan(-0.4);
    // Within-patient correlation of L1 and L2 T-scores: model value 0.93/(0.93+0.25) = 0.79.
    const r = pearson(
      patients.map((p) => p.vertebrae[0]?.tScore as number),
      patients.map((p) => p.vertebrae[1]?.tScore as number),
    );
    expect(r).toBeGreaterThan(0.7);
  });

  it('renders brighter marrow on T1 and T2 for a low-density vertebra than for a normal one', () => {
    const patients = Array.from({ length: 60 }, (_, i) => samplePatient(3, i));
    const low: number[][] = [[], []];
    const normal: number[][] = [[], []];
    for (const p of patients) {
      (['T1', 'T2'] as const).forEach((seq, si) => {
        const img = renderSeries(p, seq, 3)[2] as Uint16Array;
        const csf = p.csfRoi;
        let c = 0;
        for (let y = csf.y; y < csf.y + csf.height; y++)
          for (let x = csf.x; x < csf.x + csf.width; x++) c += img[y * 128 + x] as number;
        c /= csf.width * csf.height;
        for (const v of p.vertebrae) {
          let s = 0;
          let n = 0;
          for (let y = v.roi.y + 8; y < v.roi.y + v.roi.height - 8; y++)
            for (let x = v.roi.x + 10; x < v.roi.x + v.roi.width - 10; x++) {
              s += img[y * 128 + x] as number;
              n++;
            }
          // Normalise by CSF so scanner gain cancels, as VBQ does.
          (v.tScore <= -2.5 ? low : normal)[si]?.push(s / n / c);
        }
      });
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(low[0] as number[])).toBeGreaterThan(mean(normal[0] as number[]));
    expect(mean(low[1] as number[])).toBeGreaterThan(mean(normal[1] as number[]));
  });

  it('writes valid Part 10 DICOM series and a manifest that validates, identically for the same seed', async () => {
    const a = mkdtempSync(join(tmpdir(), 'syn-a-'));
    const b = mkdtempSync(join(tmpdir(), 'syn-b-'));
    const ra = await writeSyntheticCohort(a, { patients: 3, seed: 11 });
    await writeSyntheticCohort(b, { patients: 3, seed: 11 });
    expect(ra.rows).toBe(3 * 2 * 4);
    // Byte-identical per seed: manifest, sidecar (oracle) and every DICOM file.
    for (const f of ['manifest.csv', 'manifest.synth.json'])
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true);
    for (const id of ['SYN0001', 'SYN0003'])
      for (const seq of ['T1', 'T2'])
        for (const f of readdirSync(join(a, 'series', id, seq)))
          expect(
            readFileSync(join(a, 'series', id, seq, f)).equals(readFileSync(join(b, 'series', id, seq, f))),
          ).toBe(true);
    const c = mkdtempSync(join(tmpdir(), 'syn-d-'));
    await writeSyntheticCohort(c, { patients: 3, seed: 12 });
    expect(readFileSync(join(a, 'manifest.csv')).equals(readFileSync(join(c, 'manifest.csv')))).toBe(false);
    const files = readdirSync(join(a, 'series/SYN0002/T2')).sort();
    expect(files).toHaveLength(5);
    for (const f of files)
      expect(readFileSync(join(a, 'series/SYN0002/T2', f))).toEqual(
        readFileSync(join(b, 'series/SYN0002/T2', f)),
      );
    const buf = readFileSync(join(a, 'series/SYN0002/T2', files[0] as string));
    expect(buf.subarray(128, 132).toString('latin1')).toBe('DICM');
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const nat = dcmjs.data.DicomMetaDictionary.naturalizeDataset(
      dcmjs.data.DicomMessage.readFile(ab).dict,
    ) as Record<string, unknown>;
    expect(nat.Rows).toBe(128);
    expect(nat.ImageOrientationPatient).toEqual([0, 1, 0, 0, 0, -1]);
    expect(String(nat.SOPInstanceUID)).toMatch(/^2\.25\.\d{1,39}$/);
    const id = readDicomIdentity(ab);
    expect(id.patientName).not.toContain('SYN');
    expect(id.patientId).not.toContain('SYN');
    expect(['F', 'M']).toContain(nat.PatientSex);
    expect(String(nat.PatientAge)).toMatch(/^0\d\dY$/);
    expect(nat.RepetitionTime).toBe(3500); // T2: fixed; T1 varies per patient (protocol)
    const m = await readManifest(ra.manifest);
    // fractured vertebrae are marked exclude=fracture, which the reader honours (skipped, EXCLUDED)
    expect(m.skipped.every((s) => s.code === 'EXCLUDED')).toBe(true);
    expect(m.rows.length + m.skipped.length).toBe(24);
    expect(m.rows[0]?.roi?.width).toBeGreaterThan(0);
    // New columns: exclude (fracture), sex, age.
    const records = parse(readFileSync(ra.manifest, 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(Object.keys(records[0] ?? {})).toEqual([...MANIFEST_COLUMNS]);
    const fractured = ra.patients.flatMap((p) =>
      p.vertebrae.filter((v) => v.fracture).map((v) => `${p.id}/${v.level}`),
    );
    for (const r of records) {
      expect(r.exclude === 'fracture').toBe(fractured.includes(`${r.patient_id}/${r.level}`));
      expect(r.sex).toMatch(/^(F|M)$/);
      expect(r.age).toMatch(/^\d+$/);
    }
  });

  it('refuses to write into a non-empty directory', async () => {
    const a = mkdtempSync(join(tmpdir(), 'syn-c-'));
    await writeSyntheticCohort(a, { patients: 2, seed: 1 });
    await expect(writeSyntheticCohort(a, { patients: 2, seed: 1 })).rejects.toMatchObject({
      code: 'OUT_NOT_EMPTY',
    });
  });
});
